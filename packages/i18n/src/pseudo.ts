// The pseudo-locale en-XA: every English message accented, about 40 % longer and in brackets, with placeholders,
// plurals and selects untouched. Text that shows up unaccented was not translated through t(); a cut-off
// bracket shows a box too small for a longer language.
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { printAST } from '@formatjs/icu-messageformat-parser/printer.js';

const ACCENTED: Record<string, string> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((letter, index) => [
    letter,
    [...'åƀçðéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇÐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ'][index]!,
  ]),
);
// Words appended to make up the extra length (accented already, so they look like the rest).
const FILLER = 'ļöŕéɱ îþšûɱ ðöļöŕ šîţ åɱéţ çöñšéçţéţûŕ åðîþîšçîñĝ éļîţ šéð ðö éîûšɱöð ţéɱþöŕ';
/** How much longer than English the pseudo-locale is; German and Finnish often run 30–40 % longer. */
export const PSEUDO_EXPANSION = 0.4;

const accent = (text: string) => text.replace(/[A-Za-z]/g, (letter) => ACCENTED[letter] ?? letter);

/** The visible length of a message: its literal text, counting a plural's or select's `other` branch. */
export function visibleLength(elements: MessageFormatElement[]): number {
  let length = 0;
  for (const element of elements) {
    if (element.type === TYPE.literal) length += element.value.length;
    else if (element.type === TYPE.plural || element.type === TYPE.select)
      length += visibleLength(element.options.other?.value ?? []);
    else if (element.type === TYPE.tag) length += visibleLength(element.children);
  }
  return length;
}

function accentAll(elements: MessageFormatElement[]): MessageFormatElement[] {
  return elements.map((element) => {
    if (element.type === TYPE.literal) return { ...element, value: accent(element.value) };
    if (element.type === TYPE.plural || element.type === TYPE.select)
      return {
        ...element,
        options: Object.fromEntries(
          Object.entries(element.options).map(([selector, option]) => [
            selector,
            { ...option, value: accentAll(option.value) },
          ]),
        ),
      } as MessageFormatElement;
    if (element.type === TYPE.tag) return { ...element, children: accentAll(element.children) };
    return element;
  });
}

/** One message in the pseudo-locale: `[Ţĥé ţéẋţ {name} ļöŕéɱ îþ]`. */
export function pseudoLocalize(message: string): string {
  const ast = parse(message, { ignoreTag: true });
  const extra = Math.ceil(visibleLength(ast) * PSEUDO_EXPANSION);
  let filler = '';
  while (filler.length < extra) filler += (filler ? ' ' : '') + FILLER;
  const padding = extra > 0 ? ` ${filler.slice(0, Math.max(extra - 1, 1)).trimEnd()}` : '';
  return printAST([
    { type: TYPE.literal, value: '[' },
    ...accentAll(ast),
    { type: TYPE.literal, value: `${padding}]` },
  ]);
}

export function pseudoLocalizeMessages<M extends Record<string, string>>(messages: M): M {
  return Object.fromEntries(
    Object.entries(messages).map(([key, message]) => [key, pseudoLocalize(message)]),
  ) as M;
}
