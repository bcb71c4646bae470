"""The sign-off as an in-toto Statement v1 whose predicate is a SLSA Verification Summary (VSA v1).

Built with the in-toto attestation library (its Statement, ResourceDescriptor and VSA v1 protos);
signed, with `--sign-key`, as a DSSE envelope by securesystemslib (PEM PKCS#8 private key; any
key type securesystemslib's CryptoSigner takes: Ed25519, ECDSA, RSA). Verification takes the
matching PEM public key. Subjects: the env images the catalog records (sha256 digests) and the
GitOps commit; the policy is the criteria catalogue with its sha256.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from in_toto_attestation.predicates.vsa.v1 import vsa_pb2
from in_toto_attestation.v1.resource_descriptor import ResourceDescriptor
from in_toto_attestation.v1.statement import Statement

from . import __version__

FILE = "verification-summary.intoto.json"
VSA_V1 = "https://slsa.dev/verification_summary/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"
VERIFIER = "https://github.com/pikasTech/pytest-agentrun"
POLICY_PATH = "data/criteria.yaml"


class AttestationError(Exception):
    """A key that cannot be used, or an attestation that does not verify; the message says which."""


def policy_digest() -> str:
    return hashlib.sha256(
        resources.files("pytest_agentrun").joinpath(POLICY_PATH).read_bytes()
    ).hexdigest()


def subjects(identity: dict[str, Any], fallback: tuple[str, bytes]) -> list[ResourceDescriptor]:
    found = []
    for image in identity.get("images") if isinstance(identity.get("images"), list) else []:
        found.append(
            ResourceDescriptor(
                name=f"{image['repository']} (service {image['service']})",
                digest={"sha256": image["digest"].removeprefix("sha256:")},
            )
        )
    head = str(identity.get("gitops.head") or "")
    if len(head) == 40:
        found.append(
            ResourceDescriptor(
                name=str(identity.get("gitops.branch", "gitops")),
                uri=f"git+{identity.get('gitops.repo', '')}@{head}",
                digest={"gitCommit": head},
            )
        )
    if (
        not found
    ):  # nothing of the lane was readable: the statement is about the verdict file itself
        name, data = fallback
        found.append(
            ResourceDescriptor(name=name, digest={"sha256": hashlib.sha256(data).hexdigest()})
        )
    return [rd.pb for rd in found]


def policy_uri() -> str:
    """The catalogue as this suite version ships it (a package URL, the same on every machine)."""
    return f"pkg:pypi/pytest-agentrun@{__version__}#pytest_agentrun/{POLICY_PATH}"


def predicate(verdict_doc: dict[str, Any], bundle_digest: str | None) -> dict[str, Any]:
    summary = vsa_pb2.VerificationSummary()
    summary.verifier.id = f"{VERIFIER}@{__version__}"
    summary.time_verified.FromJsonString(verdict_doc["times"]["finished"])
    identity = verdict_doc["identity"]
    summary.resource_uri = (
        f"git+{identity.get('gitops.repo', '')}@{identity.get('gitops.head', 'unknown')}"
    )
    summary.policy.uri = policy_uri()
    summary.policy.digest["sha256"] = policy_digest()
    if bundle_digest:
        entry = summary.input_attestations.add()
        entry.uri = "evidence bundle manifest.json"
        entry.digest["sha256"] = bundle_digest
    summary.verification_result = "PASSED" if verdict_doc["signedOff"] else "FAILED"
    summary.slsa_version = "1.0"
    doc = json_format.MessageToDict(summary)
    # VSA v1 makes verifiedLevels an array (the proto has a single string): the lane sign-off level.
    doc["verifiedLevels"] = (
        [f"AGENTRUN_LANE_{verdict_doc['lane']}_SIGNOFF"] if verdict_doc["signedOff"] else []
    )
    return doc


def statement(
    verdict_doc: dict[str, Any], bundle_digest: str | None, fallback: tuple[str, bytes]
) -> dict[str, Any]:
    stmt = Statement(
        subjects(verdict_doc["identity"], fallback), VSA_V1, predicate(verdict_doc, bundle_digest)
    )
    stmt.validate()
    return json_format.MessageToDict(stmt.pb)


def signer(key: Path):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key
    from securesystemslib.signer import CryptoSigner

    try:
        return CryptoSigner(load_pem_private_key(key.read_bytes(), password=None))
    except (OSError, ValueError, TypeError) as exc:
        raise AttestationError(
            f"--sign-key {key}: not a usable unencrypted PEM private key ({exc})"
        ) from None


def public_key(path: Path):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    from securesystemslib.signer import SSlibKey

    try:
        return SSlibKey.from_crypto(load_pem_public_key(path.read_bytes()))
    except (OSError, ValueError, TypeError) as exc:
        raise AttestationError(f"--key {path}: not a usable PEM public key ({exc})") from None


def envelope_json(stmt: dict[str, Any], sign_key: Path | None) -> str:
    payload = json.dumps(stmt, sort_keys=True).encode()
    if sign_key is None:
        return json.dumps(stmt, indent=2, sort_keys=True) + "\n"
    from securesystemslib.dsse import Envelope

    envelope = Envelope(payload, PAYLOAD_TYPE, {})
    envelope.sign(signer(sign_key))
    return json.dumps(envelope.to_dict(), indent=2) + "\n"


def write(
    directory: Path,
    verdict_doc: dict[str, Any],
    bundle_digest: str | None,
    sign_key: Path | None,
    verdict_file: Path,
) -> Path:
    stmt = statement(verdict_doc, bundle_digest, (verdict_file.name, verdict_file.read_bytes()))
    path = directory / FILE
    path.write_text(envelope_json(stmt, sign_key))
    return path


def verify(path: Path, key: Path) -> dict[str, Any]:
    """The verified Statement; AttestationError when the envelope is unreadable
    or does not verify."""
    from securesystemslib.dsse import Envelope
    from securesystemslib.exceptions import VerificationError

    try:
        envelope = Envelope.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise AttestationError(
            f"{path}: not a DSSE envelope ({type(exc).__name__}: {exc})"
        ) from None
    if envelope.payload_type != PAYLOAD_TYPE:
        raise AttestationError(
            f"{path}: payloadType {envelope.payload_type!r}, expected {PAYLOAD_TYPE}"
        )
    try:
        envelope.verify([public_key(key)], 1)
    except (VerificationError, ValueError) as exc:
        raise AttestationError(f"{path}: signature does not verify with {key}: {exc}") from None
    try:
        stmt = json.loads(envelope.payload)
    except ValueError as exc:
        raise AttestationError(f"{path}: signed payload is not JSON ({exc})") from None
    if stmt.get("predicateType") != VSA_V1:
        raise AttestationError(
            f"{path}: predicateType {stmt.get('predicateType')!r}, expected {VSA_V1}"
        )
    return stmt
