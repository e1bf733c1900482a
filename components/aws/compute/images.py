"""Images: an ECR repository per image the app builds, built and pushed with pulumi-docker.

Built images are referenced by digest (repository@sha256:...), so a task definition always runs
exactly what was pushed. Published images are used as the spec pins them (tag and/or digest).
Tags are set per stack through the app overrides (apps.<app>.images.<image>.tag).
"""

from __future__ import annotations

import json
import posixpath
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_docker as docker

from appstack.spec import AppSpec, ImageSpec


@dataclass(frozen=True)
class AppImagesArgs:
    spec: AppSpec
    kms_key_arn: pulumi.Input[str]
    keep_images: int
    protect: bool  # prod: repositories are not force-deleted with their images


@dataclass(frozen=True)
class ImageRef:
    reference: pulumi.Output[str]
    repository_arn: pulumi.Output[str] | None  # None for published images pulled from elsewhere
    cpu_architecture: str


def lifecycle_policy(keep: int) -> str:
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"keep the {keep} most recent images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
                    "action": {"type": "expire"},
                }
            ]
        }
    )


def build_paths(spec: AppSpec, image: ImageSpec) -> tuple[str, str]:
    """(context, dockerfile) relative to the project directory: <source_dir>/<context>[/<dockerfile>]."""
    assert image.build is not None
    source = spec.source_dir or f"../{spec.name}"
    context = posixpath.normpath(posixpath.join(source, image.build.context))
    return context, posixpath.join(context, image.build.dockerfile)


class AppImages(pulumi.ComponentResource):
    """`images` maps every image name of the spec to its ImageRef."""

    def __init__(self, name: str, args: AppImagesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("appstack:aws:AppImages", name, None, opts)
        self.images: dict[str, ImageRef] = {}
        for image_name, image in sorted(args.spec.images.items()):
            if image.build is None:
                self.images[image_name] = ImageRef(pulumi.Output.from_input(image.reference), None, "X86_64")
            else:
                self.images[image_name] = self._build(f"{name}-{image_name}", args, image)
        self.register_outputs({"images": {k: v.reference for k, v in self.images.items()}})

    def _build(self, name: str, args: AppImagesArgs, image: ImageSpec) -> ImageRef:
        assert image.build is not None
        child = pulumi.ResourceOptions(parent=self)
        repository = aws.ecr.Repository(
            name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration={"scan_on_push": True},
            encryption_configurations=[{"encryption_type": "KMS", "kms_key": args.kms_key_arn}],
            force_delete=not args.protect,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        aws.ecr.LifecyclePolicy(name, repository=repository.name, policy=lifecycle_policy(args.keep_images), opts=child)
        token = aws.ecr.get_authorization_token_output(registry_id=repository.registry_id)
        context, dockerfile = build_paths(args.spec, image)
        tag = image.tag or (image.digest or "").removeprefix("sha256:")[:12]
        built = docker.Image(
            name,
            image_name=pulumi.Output.concat(repository.repository_url, ":", tag),
            build={
                "context": context,
                "dockerfile": dockerfile,
                "platform": image.build.platform,
                "args": dict(image.build.args),
                **({"target": image.build.target} if image.build.target else {}),
            },
            registry={
                "server": repository.repository_url,
                "username": token.user_name,
                "password": pulumi.Output.secret(token.password),
            },
            opts=child,
        )
        architecture = "ARM64" if image.build.platform == "linux/arm64" else "X86_64"
        return ImageRef(built.repo_digest, repository.arn, architecture)
