// The client lives in @pixelflare/client (the CLI uses it too); this path stays for the dashboard's imports.
export * from '@pixelflare/client';
