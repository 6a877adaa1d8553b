"""Image repository: the ECR repository ``<svc>`` and the image the service runs.

Creates: ECR repository (IMMUTABLE tags, scan on push, protected), its lifecycle policy (keep the
last 10 images) and, with ``appSource``, a docker image built from the checkout's
``deploy/Dockerfile`` and pushed with the checkout's short SHA.

Requires: the repository name; either an image tag that must already be in the repository
(checked with ``aws.ecr.get_image`` so a missing image fails the preview, not the rollout) or a
clean checkout. The task image is pinned by digest (``repo@sha256:...``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from dixie_infra import names
from dixie_infra.components import TYPE_PREFIX, child, invoke_opts
from dixie_infra.settings import AppSource


@dataclass(frozen=True)
class ImageRepositoryArgs:
    repository_name: str
    image_tag: str | None
    app_source: AppSource | None


def lifecycle_policy_document(keep: int = names.ECR_KEEP_IMAGES) -> str:
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"Keep last {keep}",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": keep},
                    "action": {"type": "expire"},
                }
            ]
        }
    )


class ImageRepository(pulumi.ComponentResource):
    repository: aws.ecr.Repository
    repository_url: pulumi.Output[str]
    image_uri: pulumi.Output[str]

    def __init__(self, name: str, args: ImageRepositoryArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(f"{TYPE_PREFIX}:ImageRepository", name, None, opts)
        self._repository_name = args.repository_name
        self.repository = aws.ecr.Repository(
            f"{name}-repository",
            name=args.repository_name,
            image_tag_mutability="IMMUTABLE",
            image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
            encryption_configurations=[
                aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="AES256")
            ],
            force_delete=False,
            # Losing the repository loses every image the service can roll back to.
            opts=child(self, protect=True),
        )
        self.lifecycle_policy = aws.ecr.LifecyclePolicy(
            f"{name}-lifecycle",
            repository=self.repository.name,
            policy=lifecycle_policy_document(),
            opts=child(self),
        )
        self.repository_url = self.repository.repository_url

        if args.app_source is not None:
            self.image_uri = self._from_checkout(name, args.app_source)
        else:
            assert args.image_tag is not None
            self.image_uri = self._from_tag(args.image_tag)

        self.register_outputs({"repositoryUrl": self.repository_url, "imageUri": self.image_uri})

    def _from_tag(self, tag: str) -> pulumi.Output[str]:
        # The lookup depends on the repository, so it runs after the repository exists; a tag
        # that was never pushed fails here, at preview, instead of as a crash-looping rollout.
        image = aws.ecr.get_image_output(
            repository_name=self.repository.name, image_tag=tag, opts=invoke_opts(self)
        )
        return pulumi.Output.concat(self.repository_url, "@", image.image_digest)

    def _existing_tags(self, repository_name: str) -> set[str]:
        try:
            images = aws.ecr.get_images(repository_name=repository_name, opts=invoke_opts(self))
        except Exception as exc:
            # A repository that does not exist yet holds no tags. Any other failure (access
            # denied, throttling) must stop the run: guessing "no tags" would rebuild and then
            # fail to re-push an existing tag into the immutable repository.
            if "RepositoryNotFoundException" in str(exc):
                return set()
            raise
        return {i.image_tag for i in images.image_ids if i.image_tag}

    def _from_checkout(self, name: str, source: AppSource) -> pulumi.Output[str]:
        import pulumi_docker as docker

        if source.git_sha in self._existing_tags(self._repository_name):
            # Re-pushing a tag into an IMMUTABLE repository fails; the image of this SHA is
            # already there, so it is reused rather than rebuilt.
            return self._from_tag(source.git_sha)
        registry = aws.ecr.get_authorization_token_output(
            registry_id=self.repository.registry_id, opts=invoke_opts(self)
        )
        image = docker.Image(
            f"{name}-image",
            image_name=pulumi.Output.concat(self.repository_url, ":", source.git_sha),
            build=docker.DockerBuildArgs(
                context=str(source.path),
                dockerfile=str(source.dockerfile),
                platform="linux/amd64",
            ),
            registry=docker.RegistryArgs(
                server=self.repository_url,
                username=registry.user_name,
                password=pulumi.Output.secret(registry.password),
            ),
            opts=child(self),
        )
        return image.repo_digest
