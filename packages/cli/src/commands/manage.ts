import { RequestedScope, type ApiKeyCreate, type AlbumResource } from '@pixelflare/shared';
import { parse, requireArguments } from '../args';
import { output, type Context } from '../context';
import { CliError, EXIT, type ExitCode } from '../exit-codes';

/** `albums` (list), `albums create <slug> --title <t> [--private]`, `albums rm <slug> [--delete-images]`. */
export async function runAlbums(context: Context, args: string[]): Promise<ExitCode> {
  const [action = 'list', ...rest] = args;
  const { api } = context.connect();
  if (action === 'list') {
    parse(rest, {});
    const albums: AlbumResource[] = [];
    let cursor: string | undefined;
    do {
      const page = await api.listAlbums(cursor);
      albums.push(...page.data);
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    output(context, { data: albums }, () =>
      albums.map((album) => `${album.slug}\t${album.visibility}\t${album.title}`),
    );
    return EXIT.ok;
  }
  if (action === 'create') {
    const { values, positionals } = parse(rest, {
      title: { type: 'string' },
      description: { type: 'string' },
      private: { type: 'boolean', default: false },
    });
    const [slug] = requireArguments(positionals, 'an album slug');
    const album = await api.createAlbum({
      slug: slug!,
      title: values.title ?? slug!,
      visibility: values.private ? 'private' : 'public',
      ...(values.description ? { description: values.description } : {}),
    });
    output(context, album, () => [`created album ${album.slug}`]);
    return EXIT.ok;
  }
  if (action === 'rm') {
    const { values, positionals } = parse(rest, { 'delete-images': { type: 'boolean', default: false } });
    const [slug] = requireArguments(positionals, 'an album slug');
    await api.deleteAlbum(slug!, values['delete-images']);
    output(context, { slug, deleted: true }, () => [`deleted album ${slug}`]);
    return EXIT.ok;
  }
  throw new CliError(`albums: unknown action ${action} (list, create, rm)`);
}

export async function runTags(context: Context, args: string[]): Promise<ExitCode> {
  parse(args, {});
  const { api } = context.connect();
  const tags = await api.listTags();
  output(context, tags, () => tags.data.map((tag) => `${tag.name}\t${tag.count}`));
  return EXIT.ok;
}

/** `keys` (list), `keys create --name <n> --scopes <a,b> [--expires <iso>]`, `keys revoke <id>`. */
export async function runKeys(context: Context, args: string[]): Promise<ExitCode> {
  const [action = 'list', ...rest] = args;
  const { api } = context.connect();
  if (action === 'list') {
    parse(rest, {});
    const keys = await api.listKeys();
    output(context, keys, () =>
      keys.data.map((key) =>
        [key.id, key.name, key.prefix, key.scopes.join(','), key.revoked_at ? 'revoked' : 'active'].join(
          '\t',
        ),
      ),
    );
    return EXIT.ok;
  }
  if (action === 'create') {
    const { values } = parse(rest, {
      name: { type: 'string' },
      scopes: { type: 'string', default: 'read' },
      expires: { type: 'string' },
    });
    if (!values.name) throw new CliError('keys create needs --name');
    const scopes = values.scopes.split(',').map((scope) => scope.trim());
    const unknown = scopes.filter((scope) => !RequestedScope.safeParse(scope).success);
    if (unknown.length)
      throw new CliError(`Unknown scope ${unknown.join(', ')}: one of ${RequestedScope.options.join(', ')}`);
    const key = await api.createKey({
      name: values.name,
      scopes: scopes as ApiKeyCreate['scopes'],
      ...(values.expires ? { expires_at: values.expires } : {}),
    });
    output(context, key, () => [
      key.key,
      `# ${key.name} (${key.scopes.join(', ')}): shown once, store it now`,
    ]);
    return EXIT.ok;
  }
  if (action === 'revoke') {
    const { positionals } = parse(rest, {});
    const [id] = requireArguments(positionals, 'a key id');
    await api.revokeKey(id!);
    output(context, { id, revoked: true }, () => [`revoked ${id}`]);
    return EXIT.ok;
  }
  throw new CliError(`keys: unknown action ${action} (list, create, revoke)`);
}
