import { defineConfig } from 'vitepress';

export default defineConfig({
  title: 'Pixelflare',
  description: 'A self-hosted image CDN on Cloudflare’s edge',
  cleanUrls: true,
  // Links to the locally running stack are fine; anything else dead fails the build.
  ignoreDeadLinks: [/^https?:\/\/localhost/],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/install' },
      { text: 'API', link: '/guide/api' },
    ],
    sidebar: [
      {
        text: 'Guide',
        items: [
          { text: 'Install and run locally', link: '/guide/install' },
          { text: 'Architecture', link: '/guide/architecture' },
          { text: 'Configuration', link: '/guide/configuration' },
          { text: 'REST API', link: '/guide/api' },
          { text: 'Uploads and images', link: '/guide/uploads' },
          { text: 'Image understanding', link: '/guide/image-understanding' },
          { text: 'CDN URLs', link: '/guide/cdn' },
          { text: 'Custom domains', link: '/guide/custom-domains' },
          { text: 'Public profiles', link: '/guide/public-pages' },
          { text: 'Sharing by link', link: '/guide/sharing' },
          { text: 'S3-compatible endpoint', link: '/guide/s3' },
          { text: 'Analytics', link: '/guide/analytics' },
          { text: 'Usage and plans', link: '/guide/usage' },
          { text: 'Dashboard', link: '/guide/dashboard' },
          { text: 'Translations', link: '/guide/translations' },
          { text: 'Authentication and API keys', link: '/guide/authentication' },
          { text: 'Encryption at rest', link: '/guide/encryption' },
          { text: 'Your data: export and deletion', link: '/guide/your-data' },
          { text: 'Command line (pixelflare)', link: '/guide/cli' },
          { text: 'AI assistants (MCP server)', link: '/guide/mcp' },
          { text: 'Screenshot tools', link: '/guide/screenshot-tools' },
          { text: 'Webhooks and background jobs', link: '/guide/webhooks' },
          { text: 'Backups to your own S3 bucket', link: '/guide/backups' },
          { text: 'Deploying to Cloudflare', link: '/guide/deployment' },
          { text: 'Capacity and limits', link: '/guide/capacity' },
          { text: 'Reliability', link: '/guide/reliability' },
          { text: 'Benchmarks', link: '/guide/benchmarks' },
        ],
      },
    ],
  },
});
