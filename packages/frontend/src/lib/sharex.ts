/**
 * A ShareX custom uploader (`.sxcu`) for the one-shot upload endpoint: multipart field `file`, bearer key,
 * and the image's CDN URL read from the JSON answer.
 */
export function sharexConfig(apiOrigin: string, apiKey: string): string {
  const config = {
    Version: '16.0.0',
    Name: `Pixelflare (${new URL(apiOrigin).host})`,
    DestinationType: 'ImageUploader',
    RequestMethod: 'POST',
    RequestURL: `${apiOrigin.replace(/\/$/, '')}/v1/upload`,
    Headers: { Authorization: `Bearer ${apiKey}` },
    Body: 'MultipartFormData',
    FileFormName: 'file',
    URL: '{json:urls.cdn}',
    ErrorMessage: '{json:error.message}',
  };
  return `${JSON.stringify(config, null, 2)}\n`;
}
