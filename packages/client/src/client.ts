import {
  S3AccessKeyCreatedSchema,
  S3AccessKeyListSchema,
  type S3AccessKeyCreate,
  AccessTokenSchema,
  type AccessTokenRequest,
  AccountDeletionStatusSchema,
  DataExportListSchema,
  DataExportSchema,
  AlbumSchema,
  CsrfTokenSchema,
  SessionSchema,
  SignInProvidersSchema,
  ApiKeyCreatedSchema,
  ApiKeyListSchema,
  type ApiKeyCreate,
  BulkImageResultSchema,
  ErrorBodySchema,
  TagListSchema,
  type AlbumCreate,
  type AlbumUpdate,
  type BulkImageAction,
  AnalysisBackfillSchema,
  ImageAnalysisSchema,
  ImageSchema,
  SearchResultSchema,
  SimilarImagesSchema,
  ImageVariantListSchema,
  NamedTransformListSchema,
  NamedTransformSchema,
  WatermarkListSchema,
  WatermarkSchema,
  type NamedTransformCreate,
  UploadedImageSchema,
  SignedUrlSchema,
  type SignedUrlRequest,
  StatusSchema,
  UsageSchema,
  paginated,
  ProfileSchema,
  PasskeyCeremonyOptionsSchema,
  PasskeyListSchema,
  PasskeySchema,
  PasskeySignInSchema,
  WebhookDeliveryListSchema,
  WebhookDeliverySchema,
  WebhookListSchema,
  WebhookSchema,
  WebhookWithSecretSchema,
  type ErrorCode,
  type FieldIssue,
  type ImageUpdate,
  type UploadMetadata,
  type ProfileUpdate,
  type WebhookCreateSchema,
  type WebhookUpdate,
} from '@pixelflare/shared';
import { TURNSTILE_TOKEN_HEADER } from '@pixelflare/config';
import { z } from 'zod';

const ImagePageSchema = paginated(ImageSchema, 'ImagePage');
const AlbumPageSchema = paginated(AlbumSchema, 'AlbumPage');
export type { Session } from '@pixelflare/shared';
const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
const segment = encodeURIComponent;
export type ImagePage = z.infer<typeof ImagePageSchema>;

/** Filters the library sends as query parameters; empty values are left out. */
export interface ImageFilters {
  q?: string;
  album?: string;
  tag?: string;
  favourite?: boolean;
  content_type?: string;
  /** One of COLOR_NAMES. */
  color?: string;
  sort?: 'newest' | 'oldest' | 'name' | 'size';
  cursor?: string;
  limit?: number;
}

/** `GET /v1/search`: words or a description, with the listing's filters and what analysis found. */
export interface SearchFilters {
  q: string;
  album?: string;
  tag?: string;
  content_type?: string;
  color?: string;
  has_faces?: boolean;
  has_text?: boolean;
  limit?: number;
}

export function imageQuery(filters: ImageFilters | SearchFilters): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(filters))
    if (value !== undefined && value !== '' && value !== false) params.set(name, String(value));
  const query = params.toString();
  return query ? `?${query}` : '';
}

/** An API failure with the server's code, so the UI can word it (see `error.<CODE>` messages). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'NETWORK_ERROR',
    message: string,
    readonly requestId?: string,
    /** Which fields failed, on `VALIDATION_FAILED`. */
    readonly issues: FieldIssue[] = [],
  ) {
    super(message);
  }
}

/**
 * The dashboard's only way to the API. Every answer is parsed with the shared Zod schema of its route,
 * so a contract change breaks the build or a test here, never a page at run time.
 */
export function createApiClient(baseUrl = '', fetcher: typeof fetch = fetch) {
  /** Sends a request and answers with the response when it is a 2xx; any other answer becomes an ApiError. */
  async function send(path: string, init: RequestInit = {}): Promise<Response> {
    let response: Response;
    try {
      response = await fetcher(`${baseUrl}${path}`, { credentials: 'include', ...init });
    } catch (error) {
      throw new ApiError(0, 'NETWORK_ERROR', error instanceof Error ? error.message : 'Network error');
    }
    if (response.ok) return response;
    const body: unknown = await response.json().catch(() => null);
    const parsed = ErrorBodySchema.safeParse(body);
    if (parsed.success)
      throw new ApiError(
        response.status,
        parsed.data.error.code,
        parsed.data.error.message,
        parsed.data.error.requestId,
        parsed.data.error.issues,
      );
    throw new ApiError(response.status, 'INTERNAL_ERROR', `HTTP ${response.status}`);
  }

  async function request<T extends z.ZodType>(
    schema: T,
    path: string,
    init: RequestInit = {},
  ): Promise<z.infer<T>> {
    const response = await send(path, init);
    const body: unknown = await response.json().catch(() => null);
    return schema.parse(body);
  }

  return {
    /** Health may answer 503 with a body that still describes what failed. */
    async status() {
      const response = await fetcher(`${baseUrl}/v1/status`);
      return StatusSchema.parse(await response.json());
    },
    providers: () => request(SignInProvidersSchema, '/auth/providers'),
    session: () => request(SessionSchema, '/auth/session'),
    /** Ends the session (clears its cookies); answers 204 with no body. */
    signOut: () => request(z.unknown(), '/auth/sign-out', { method: 'POST' }),
    /** A fresh Auth.js CSRF token (also set as a cookie) for a sign-in form. */
    csrfToken: async () => (await request(CsrfTokenSchema, '/auth/csrf')).csrfToken,
    usage: () => request(UsageSchema, '/v1/usage'),
    listImages: (filters: ImageFilters = {}) => request(ImagePageSchema, `/v1/images${imageQuery(filters)}`),
    listTrash: (cursor?: string) => request(ImagePageSchema, `/v1/trash${imageQuery({ cursor })}`),
    getImage: (id: string) => request(ImageSchema, `/v1/images/${encodeURIComponent(id)}`),
    updateImage: (id: string, changes: ImageUpdate) =>
      request(ImageSchema, `/v1/images/${encodeURIComponent(id)}`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(changes),
      }),
    /** What analysis found (colours, labels, faces, text, caption), each result with its model. */
    getImageAnalysis: (id: string) =>
      request(ImageAnalysisSchema, `/v1/images/${encodeURIComponent(id)}/analysis`),
    /** Hybrid search (full text and meaning, merged by reciprocal rank fusion); lexical without an AI engine. */
    searchImages: (filters: SearchFilters) => request(SearchResultSchema, `/v1/search${imageQuery(filters)}`),
    /** More like this: the nearest of your images by the meaning of their analysis. */
    similarImages: (id: string, limit?: number) =>
      request(SimilarImagesSchema, `/v1/images/${encodeURIComponent(id)}/similar${imageQuery({ limit })}`),
    /** Queues the analysis of every image of yours that analysis has not served yet (in pages, in the background). */
    backfillAnalysis: () => request(AnalysisBackfillSchema, '/v1/analysis/backfill', { method: 'POST' }),
    /** Queues the analysis again; the answer is what is stored until it has run. */
    analyzeImage: (id: string) =>
      request(ImageAnalysisSchema, `/v1/images/${encodeURIComponent(id)}/analyze`, { method: 'POST' }),
    deleteImage: (id: string) =>
      request(z.unknown(), `/v1/images/${encodeURIComponent(id)}`, { method: 'DELETE' }),
    purgeImage: (id: string) =>
      request(z.unknown(), `/v1/images/${encodeURIComponent(id)}?permanent=true`, { method: 'DELETE' }),
    /** Every enabled preset of an image with the renditions stored so far (none: rendered on first request). */
    listImageVariants: (id: string) => request(ImageVariantListSchema, `/v1/images/${segment(id)}/variants`),
    setFavourite: (id: string, favourite: boolean) =>
      request(z.unknown(), `/v1/images/${encodeURIComponent(id)}/favourite`, {
        method: favourite ? 'PUT' : 'DELETE',
      }),
    bulkImages: (action: BulkImageAction) =>
      request(BulkImageResultSchema, '/v1/images/bulk', json('POST', action)),
    listAlbums: (cursor?: string) =>
      request(AlbumPageSchema, `/v1/albums${imageQuery({ cursor, limit: 100 })}`),
    createAlbum: (album: AlbumCreate) => request(AlbumSchema, '/v1/albums', json('POST', album)),
    updateAlbum: (slug: string, changes: AlbumUpdate) =>
      request(AlbumSchema, `/v1/albums/${segment(slug)}`, json('PATCH', changes)),
    deleteAlbum: (slug: string, deleteImages = false) =>
      request(z.unknown(), `/v1/albums/${segment(slug)}${deleteImages ? '?delete_images=true' : ''}`, {
        method: 'DELETE',
      }),
    listTags: () => request(TagListSchema, '/v1/tags'),
    renameTag: (name: string, to: string) =>
      request(z.unknown(), `/v1/tags/${segment(name)}`, json('PATCH', { name: to })),
    mergeTag: (name: string, into: string) =>
      request(z.unknown(), `/v1/tags/${segment(name)}/merge`, json('POST', { into })),
    signedUrl: (id: string, options: Partial<SignedUrlRequest> = {}) =>
      request(SignedUrlSchema, `/v1/images/${segment(id)}/signed-url`, json('POST', options)),
    /** A token link to an encrypted image (which has no plain or signed URLs), optionally for one rendition. */
    accessToken: (id: string, options: AccessTokenRequest = {}) =>
      request(AccessTokenSchema, `/v1/images/${segment(id)}/access-token`, json('POST', options)),
    /** Named transforms (`?t=name` on a CDN URL): parameter sets locked under a name. */
    listTransforms: () => request(NamedTransformListSchema, '/v1/transforms'),
    /** Your watermarks (`?wm=name`): which image each name draws. */
    listWatermarks: () => request(WatermarkListSchema, '/v1/watermarks'),
    markWatermark: (name: string, imageId: string) =>
      request(WatermarkSchema, '/v1/watermarks', json('POST', { name, image_id: imageId })),
    unmarkWatermark: (name: string) =>
      request(z.unknown(), `/v1/watermarks/${segment(name)}`, { method: 'DELETE' }),
    createTransform: (transform: NamedTransformCreate) =>
      request(NamedTransformSchema, '/v1/transforms', json('POST', transform)),
    updateTransform: (name: string, params: Record<string, string>) =>
      request(NamedTransformSchema, `/v1/transforms/${segment(name)}`, json('PATCH', { params })),
    deleteTransform: (name: string) =>
      request(z.unknown(), `/v1/transforms/${segment(name)}`, { method: 'DELETE' }),
    listKeys: () => request(ApiKeyListSchema, '/v1/keys'),
    createKey: (key: ApiKeyCreate) => request(ApiKeyCreatedSchema, '/v1/keys', json('POST', key)),
    revokeKey: (id: string) => request(z.unknown(), `/v1/keys/${segment(id)}`, { method: 'DELETE' }),
    listS3Keys: () => request(S3AccessKeyListSchema, '/v1/s3-keys'),
    createS3Key: (key: S3AccessKeyCreate) =>
      request(S3AccessKeyCreatedSchema, '/v1/s3-keys', json('POST', key)),
    revokeS3Key: (id: string) => request(z.unknown(), `/v1/s3-keys/${segment(id)}`, { method: 'DELETE' }),
    getMe: () => request(ProfileSchema, '/v1/me'),
    updateMe: (changes: ProfileUpdate) => request(ProfileSchema, '/v1/me', json('PATCH', changes)),
    /** Deletes the account and everything in it; `confirm` is its owner name (slug). */
    deleteMe: (confirm: string) =>
      request(AccountDeletionStatusSchema, '/v1/me', json('DELETE', { confirm })),
    /** Starts an export of the account (originals, metadata, albums, tags); poll getExport until it is ready. */
    createExport: () => request(DataExportSchema, '/v1/me/export', { method: 'POST' }),
    listExports: () => request(DataExportListSchema, '/v1/me/export'),
    getExport: (id: string) => request(DataExportSchema, `/v1/me/export/${segment(id)}`),
    listWebhooks: () => request(WebhookListSchema, '/v1/webhooks'),
    // The input type: `events` and `active` have defaults, so callers may leave them out.
    createWebhook: (webhook: z.input<typeof WebhookCreateSchema>) =>
      request(WebhookWithSecretSchema, '/v1/webhooks', json('POST', webhook)),
    updateWebhook: (id: string, changes: WebhookUpdate) =>
      request(WebhookSchema, `/v1/webhooks/${segment(id)}`, json('PATCH', changes)),
    deleteWebhook: (id: string) => request(z.unknown(), `/v1/webhooks/${segment(id)}`, { method: 'DELETE' }),
    rotateWebhookSecret: (id: string) =>
      request(WebhookWithSecretSchema, `/v1/webhooks/${segment(id)}/rotate-secret`, { method: 'POST' }),
    listDeliveries: (id: string) =>
      request(WebhookDeliveryListSchema, `/v1/webhooks/${segment(id)}/deliveries`),
    /** Sends a `ping` now; a failed attempt comes back as a delivery, not as an error. */
    testWebhook: (id: string) =>
      request(WebhookDeliverySchema, `/v1/webhooks/${segment(id)}/test`, { method: 'POST' }),
    /** Sends a delivery's event again now (same event id); 409 CONFLICT once the event is no longer kept. */
    redeliver: (id: string, deliveryId: string) =>
      request(
        WebhookDeliverySchema,
        `/v1/webhooks/${segment(id)}/deliveries/${segment(deliveryId)}/redeliver`,
        { method: 'POST' },
      ),
    restoreImage: (id: string) =>
      request(ImageSchema, `/v1/images/${encodeURIComponent(id)}/restore`, { method: 'POST' }),
    /**
     * One-shot upload (multipart: a `file` field and the metadata fields of `UploadMetadataSchema`). Identical
     * bytes already uploaded answer the existing image with `duplicate: true` unless `allowDuplicate`.
     */
    uploadImage: (form: FormData, options: { allowDuplicate?: boolean } = {}) =>
      request(UploadedImageSchema, `/v1/upload${options.allowDuplicate ? '?allow_duplicate=true' : ''}`, {
        method: 'POST',
        body: form,
      }),
    /** The instance fetches the image at `url` (public http/https only) and ingests it like an upload. */
    uploadFromUrl: (
      body: UploadMetadata & { url: string },
      options: { allowDuplicate?: boolean; turnstileToken?: string } = {},
    ) => {
      const init = json('POST', body);
      // Bot protection, when the API has it on: the dashboard's widget token rides in a header, as for uploads.
      if (options.turnstileToken)
        init.headers = {
          ...(init.headers as Record<string, string>),
          [TURNSTILE_TOKEN_HEADER]: options.turnstileToken,
        };
      return request(
        UploadedImageSchema,
        `/v1/upload/from-url${options.allowDuplicate ? '?allow_duplicate=true' : ''}`,
        init,
      );
    },
    getAlbum: (slug: string) => request(AlbumSchema, `/v1/albums/${segment(slug)}`),
    /** The original's bytes as a streaming response (its Content-Type and Content-Disposition included). */
    downloadImage: (id: string) => send(`/v1/images/${segment(id)}/download`),
    /** Passkeys (AUTH_MODE=authjs): the WebAuthn options and answers are passed through as JSON. */
    listPasskeys: () => request(PasskeyListSchema, '/v1/passkeys'),
    passkeyRegistrationOptions: () =>
      request(PasskeyCeremonyOptionsSchema, '/v1/passkeys/registration/options', json('POST', {})),
    registerPasskey: (body: { challenge_id: string; name: string; response: unknown }) =>
      request(PasskeySchema, '/v1/passkeys/registration', json('POST', body)),
    renamePasskey: (id: string, name: string) =>
      request(PasskeySchema, `/v1/passkeys/${segment(id)}`, json('PATCH', { name })),
    deletePasskey: (id: string) => send(`/v1/passkeys/${segment(id)}`, { method: 'DELETE' }),
    passkeySignInOptions: () =>
      request(PasskeyCeremonyOptionsSchema, '/v1/passkeys/sign-in/options', json('POST', {})),
    /** Sets the session cookie on success, like a provider sign-in. */
    signInWithPasskey: (body: { challenge_id: string; response: unknown }) =>
      request(PasskeySignInSchema, '/v1/passkeys/sign-in', json('POST', body)),
    request,
    send,
  };
}
export type ApiClient = ReturnType<typeof createApiClient>;
