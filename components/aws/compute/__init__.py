"""AWS compute, edge and observability: ECR images, ECS Fargate services, workers and migration
jobs, the Application Load Balancer, CloudWatch and (optionally) Amazon Managed Prometheus."""

from .app_compute import AppCompute, AppComputeArgs

__all__ = ["AppCompute", "AppComputeArgs"]
