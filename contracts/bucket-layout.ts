// The landing bucket's layout: which prefix holds what. The component (infra/) declares the S3
// notification, the crawler's target and the uploads with it; on-upload reads and writes under it.
export const BUCKET_LAYOUT = {
  /** Where the authority's uploads land (SFTP home, S3 notification to on-upload). */
  inbox: 'inbox/',
  /** Where on-upload writes each import's normalised CSV: `staging/<import id>/<name>.csv`. */
  staging: 'staging/',
  /** The Glue jobs' scripts, the files uploaded beside them, and their temporary directory. */
  glueScripts: 'glue/scripts/',
  glueFiles: 'glue/files/',
  glueTemp: 'glue/temp/',
  /** The portal's bundle, fetched by the instances at boot. */
  portal: 'portal/',
} as const;
