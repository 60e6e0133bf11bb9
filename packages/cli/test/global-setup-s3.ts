// The real SigV4-checking S3 server the API's backup tests use (s3rver on tools/s3's Node 24), for `import s3://`.
export { default } from '../../api/test/global-setup-s3';
