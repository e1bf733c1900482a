"""AWS platform: every app spec on ECS Fargate with managed data stores."""

from .platform import AwsPlatform

__all__ = ["AwsPlatform"]
