/**
 * The part of esdk-obs-browserjs (which ships no type declarations) that the storage stand-in tests call,
 * as its API reference describes it (createSignedUrlSync, createPostSignatureSync).
 */
declare module 'esdk-obs-browserjs' {
  interface ObsClientOptions {
    access_key_id: string;
    secret_access_key: string;
    security_token?: string;
    server: string;
  }

  interface SignedUrlParams {
    Method: string;
    Bucket: string;
    Key: string;
    /** Seconds, default 300. */
    Expires?: number;
    Headers?: Record<string, string>;
    QueryParams?: Record<string, string>;
  }

  interface PostSignatureParams {
    Bucket: string;
    Key: string;
    /** Seconds, default 300. */
    Expires?: number;
    FormParams?: Record<string, string>;
  }

  export default class ObsClient {
    constructor(options: ObsClientOptions);
    createSignedUrlSync(params: SignedUrlParams): { SignedUrl: string; ActualSignedRequestHeaders: Record<string, string> };
    createPostSignatureSync(params: PostSignatureParams): { OriginPolicy: string; Policy: string; Signature: string; Token: string };
  }
}
