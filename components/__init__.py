"""appstack component resources: Application and the AWS and Kubernetes platforms (import as appstack.components)."""
