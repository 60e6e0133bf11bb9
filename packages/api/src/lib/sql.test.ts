import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { isUniqueViolation } from './sql';

/** D1's real errors, alone and in a batch, for the one unique-constraint check every service uses. */
describe('isUniqueViolation', () => {
  beforeAll(async () => {
    await env.DB.prepare(
      'create table if not exists unique_check (a text, b text, c text not null, primary key (a, b), unique (c))',
    ).run();
    await env.DB.prepare("insert into unique_check (a, b, c) values ('a', 'b', 'c')").run();
  });

  const failureOf = async (run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (error) {
      return error;
    }
    throw new Error('expected the statement to fail');
  };
  const statement = (sql: string) => env.DB.prepare(sql);

  it('recognises a unique index and a composite primary key, alone and in a batch', async () => {
    const unique = await failureOf(() => statement("insert into unique_check values ('x', 'y', 'c')").run());
    const primaryKey = await failureOf(() =>
      statement("insert into unique_check values ('a', 'b', 'z')").run(),
    );
    const inBatch = await failureOf(() =>
      env.DB.batch([
        statement("insert into unique_check values ('p', 'q', 'r')"),
        statement("insert into unique_check values ('a', 'b', 's')"),
      ]),
    );
    expect([unique, primaryKey, inBatch].map(isUniqueViolation)).toEqual([true, true, true]);
  });

  it('does not take other failures for one', async () => {
    const notNull = await failureOf(() =>
      statement("insert into unique_check values ('m', 'n', null)").run(),
    );
    const syntax = await failureOf(() => statement('insert into nowhere values (1)').run());
    expect([notNull, syntax, 'UNIQUE constraint failed', null].map(isUniqueViolation)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
