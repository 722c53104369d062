/**
 * Limits the three clouds document alike.
 *
 * @module
 */

/**
 * The largest object one PUT or POST may carry on OSS ("PostObject … cannot exceed 5 GB", PutObject),
 * COS ("POST Object … 不超过5GB") and OBS ("单次上传 … [0, 5 GB]"); bigger files need multipart.
 */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;

/** A week: OSS V4's ceiling (x-oss-expires ≤ 604800; a POST V4 policy ≤ 7 days from x-oss-date). */
export const ONE_WEEK_SECONDS = 7 * 24 * 3600;
