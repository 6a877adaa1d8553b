"""The ECR repository and the image the task runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from dixie_infra.offline import Evaluation, OfflineMocks, is_secret
from dixie_infra.settings import SettingsError
from tests.program.conftest import armitage_config, run
from tests.program.helpers import container

REPO = "aws:ecr/repository:Repository"
DOCKER_IMAGE = "docker:index/image:Image"


def test_repository_is_immutable_scanned_and_protected(armitage: Evaluation) -> None:
    repo = armitage.one(REPO)
    assert repo.plain["name"] == "dixie-armitage"
    assert repo.plain["imageTagMutability"] == "IMMUTABLE"
    assert repo.plain["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repo.protect is True


def test_lifecycle_policy_keeps_the_last_ten_images(armitage: Evaluation) -> None:
    lifecycle = armitage.one("aws:ecr/lifecyclePolicy:LifecyclePolicy")
    assert lifecycle.plain["repository"] == "dixie-armitage"
    (rule,) = json.loads(lifecycle.plain["policy"])["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10}
    assert rule["action"] == {"type": "expire"}


def test_task_image_is_pinned_by_the_digest_of_the_configured_tag(armitage: Evaluation) -> None:
    lookups = [args for token, args in armitage.invokes if token == "aws:ecr/getImage:getImage"]
    assert lookups == [{"repositoryName": "dixie-armitage", "imageTag": "b3eef1a"}]
    image = container(armitage)["image"]
    repo_url = armitage.one(REPO).outputs["repositoryUrl"]
    assert image.startswith(f"{repo_url}@sha256:")
    assert len(image.split("@sha256:")[1]) == 64
    assert armitage.plain_outputs["imageUri"] == image


def test_a_tag_missing_from_ecr_fails_the_evaluation() -> None:
    config, secret_keys = armitage_config()
    mocks = OfflineMocks(missing_image_tags=frozenset({"b3eef1a"}))
    with pytest.raises(Exception, match="ImageNotFoundException"):
        run("armitage", config, secret_keys, mocks)


def _checkout(tmp_path: Path) -> tuple[Path, str]:
    repo = tmp_path / "loa-dixie"
    (repo / "deploy").mkdir(parents=True)
    (repo / "deploy" / "Dockerfile").write_text("FROM node:22-slim\n")

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
        ).stdout.strip()

    git("init", "-q")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init")
    return repo, git("rev-parse", "--short=7", "HEAD")


def _with_app_source(path: Path) -> dict[str, object]:
    config, _ = armitage_config()
    config = dict(config)
    del config["dixie:imageTag"]
    config["dixie:appSource"] = str(path)
    return config


def test_app_source_builds_and_pushes_the_checkouts_short_sha(tmp_path: Path) -> None:
    repo, sha = _checkout(tmp_path)
    evaluation = run("armitage", _with_app_source(repo))
    image = evaluation.one(DOCKER_IMAGE)
    assert image.plain["imageName"].endswith(f"/dixie-armitage:{sha}")
    assert image.plain["build"]["dockerfile"] == str(repo.resolve() / "deploy" / "Dockerfile")
    assert image.plain["build"]["context"] == str(repo.resolve())
    registry = image.inputs["registry"]
    assert is_secret(registry) or is_secret(registry["password"]), "registry password must be secret"
    assert image.plain["registry"]["username"] == "AWS"
    assert container(evaluation)["image"] == image.outputs["repoDigest"]
    assert "@sha256:" in container(evaluation)["image"]


def test_app_source_reuses_an_image_already_pushed_for_that_sha(tmp_path: Path) -> None:
    repo, sha = _checkout(tmp_path)
    mocks = OfflineMocks(existing_image_tags=frozenset({sha}))
    evaluation = run("armitage", _with_app_source(repo), mocks=mocks)
    assert evaluation.of_type(DOCKER_IMAGE) == []
    assert (
        "aws:ecr/getImage:getImage",
        {"repositoryName": "dixie-armitage", "imageTag": sha},
    ) in evaluation.invokes


def test_a_dirty_checkout_is_refused_before_anything_is_registered(tmp_path: Path) -> None:
    repo, _ = _checkout(tmp_path)
    (repo / "deploy" / "Dockerfile").write_text("FROM node:25\n")
    mocks = OfflineMocks()
    with pytest.raises(SettingsError, match=r"dixie:appSource: .*uncommitted or untracked files"):
        run("armitage", _with_app_source(repo), mocks=mocks)
    assert [t for t, _ in mocks.registered if t.startswith(("aws:", "docker:"))] == []


def test_untracked_files_in_the_checkout_are_refused(tmp_path: Path) -> None:
    # The build context is the whole checkout: an untracked file would ship in an image that
    # its SHA cannot reproduce.
    repo, _ = _checkout(tmp_path)
    (repo / ".env").write_text("TOKEN=local\n")
    with pytest.raises(SettingsError, match=r"dixie:appSource: .*untracked files"):
        run("armitage", _with_app_source(repo))


def test_app_source_builds_when_the_repository_does_not_exist_yet(tmp_path: Path) -> None:
    repo, sha = _checkout(tmp_path)
    mocks = OfflineMocks(images_error="RepositoryNotFoundException: repository dixie-armitage not found")
    evaluation = run("armitage", _with_app_source(repo), mocks=mocks)
    assert evaluation.one(DOCKER_IMAGE).plain["imageName"].endswith(f":{sha}")


def test_app_source_stops_when_the_repository_cannot_be_listed(tmp_path: Path) -> None:
    # Guessing "no tags" here would rebuild and then fail to re-push into the immutable repository.
    repo, _ = _checkout(tmp_path)
    mocks = OfflineMocks(images_error="AccessDeniedException: not authorized to perform ecr:ListImages")
    with pytest.raises(Exception, match="AccessDeniedException"):
        run("armitage", _with_app_source(repo), mocks=mocks)
    assert [t for t, _ in mocks.registered if t.startswith("docker:")] == []
