export declare const ROOT: string;
export declare const BUNDLE: string;
export declare const MANIFEST: string;
export interface SourceStamp {
  readonly files: number;
  readonly newestMtimeMs: number;
}
export declare function sourceStamp(root?: string): SourceStamp;
export declare function bundleIsFresh(root?: string): boolean;
