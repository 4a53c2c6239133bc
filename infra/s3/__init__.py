"""S3-compatible object storage (AWS S3, S3Proxy, MinIO, ...) through boto3."""
