"""SNMPv3 User-based Security Model: key localisation, authentication and privacy.

- Keys: password → key (RFC 3414 A.2, 1 MiB of the repeated password hashed), localised to
  an authoritative engine ID as H(Ku || engineID || Ku) (RFC 3414 §2.6, RFC 7860 for SHA-2).
- Authentication: HMAC-MD5-96, HMAC-SHA-96 (RFC 3414) and the RFC 7860 SHA-2 HMACs truncated
  to 128/192/256/384 bits.
- Privacy: CBC-DES (RFC 3414 §8), CFB128-AES-128 (RFC 3826) and AES-192/256 in CFB128 mode,
  whose keys are extended as net-snmp does when the localised key is too short
  (draft-blumenthal-aes-usm-04 §3.1.2.1: append H(key so far) until long enough).

Keys are derived once per (protocol, password, engine ID) and kept only in memory.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass
from functools import lru_cache
from typing import Any


from agent.snmp.errors import DecryptionError, SnmpError


@dataclass(frozen=True, slots=True)
class AuthProto:
    name: str
    hash: str  # hashlib name
    mac_len: int  # octets of the truncated HMAC carried in msgAuthenticationParameters


AUTH: dict[str, AuthProto] = {
    "MD5": AuthProto("MD5", "md5", 12),
    "SHA": AuthProto("SHA", "sha1", 12),
    "SHA224": AuthProto("SHA224", "sha224", 16),
    "SHA256": AuthProto("SHA256", "sha256", 24),
    "SHA384": AuthProto("SHA384", "sha384", 32),
    "SHA512": AuthProto("SHA512", "sha512", 48),
}
PRIV_KEY_LEN = {"DES": 16, "AES": 16, "AES192": 24, "AES256": 32}  # localised key octets used
_MEGABYTE = 1 << 20


@lru_cache(maxsize=256)
def password_to_key(hash_name: str, password: bytes) -> bytes:
    """Ku: the hash of 1 MiB of the password repeated (RFC 3414 A.2.1/A.2.2, RFC 7860 §4.1)."""
    if not password:
        raise SnmpError("an SNMPv3 password must not be empty")
    stream = (password * (_MEGABYTE // len(password) + 1))[:_MEGABYTE]
    return hashlib.new(hash_name, stream).digest()


def localize(hash_name: str, ku: bytes, engine_id: bytes) -> bytes:
    """Kul = H(Ku || snmpEngineID || Ku)."""
    return hashlib.new(hash_name, ku + engine_id + ku).digest()


@lru_cache(maxsize=1024)
def localized_keys(auth: str, auth_pass: bytes, priv: str | None, priv_pass: bytes | None,
                   engine_id: bytes) -> tuple[bytes, bytes]:
    """(localised auth key, localised priv key extended to what `priv` needs; b'' without priv)."""
    h = AUTH[auth].hash
    auth_key = localize(h, password_to_key(h, auth_pass), engine_id)
    if not priv or priv_pass is None:
        return auth_key, b""
    priv_key = localize(h, password_to_key(h, priv_pass), engine_id)
    need = PRIV_KEY_LEN[priv]
    while len(priv_key) < need:  # AES-192/256 after MD5 or SHA-1: extend (Blumenthal draft)
        priv_key += hashlib.new(h, priv_key).digest()
    return auth_key, priv_key[:need]


def sign(auth: AuthProto, key: bytes, whole_message: bytes) -> bytes:
    """The truncated HMAC of a message whose authentication parameters are zeroed."""
    return hmac.new(key, whole_message, auth.hash).digest()[: auth.mac_len]


def verify(auth: AuthProto, key: bytes, message: bytes, auth_at: int, received: bytes) -> bool:
    if auth_at < 0 or len(received) != auth.mac_len:
        return False
    zeroed = message[:auth_at] + bytes(auth.mac_len) + message[auth_at + auth.mac_len:]
    return hmac.compare_digest(sign(auth, key, zeroed), received)


@lru_cache(maxsize=1)
def _ciphers() -> Any:  # noqa: ANN401 - the cryptography names Privacy uses
    """cryptography's ciphers, imported on the first privacy key: an agent without authPriv
    targets never loads them (~9 MiB)."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms
    from cryptography.hazmat.primitives.ciphers.modes import CBC

    try:  # cryptography >= 43 keeps DES and CFB here; importing them elsewhere warns
        from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
        from cryptography.hazmat.decrepit.ciphers.modes import CFB
    except ImportError:  # pragma: no cover - older cryptography
        from cryptography.hazmat.primitives.ciphers.algorithms import TripleDES  # type: ignore[no-redef]
        from cryptography.hazmat.primitives.ciphers.modes import CFB  # type: ignore[no-redef]
    return Cipher, algorithms.AES, TripleDES, CBC, CFB


class Privacy:
    """Encrypts scoped PDUs for one (protocol, localised key); salts come from a counter."""

    def __init__(self, proto: str, key: bytes, salt_seed: int) -> None:
        if proto not in PRIV_KEY_LEN:
            raise SnmpError(f"unknown privacy protocol {proto!r}")
        self.proto = proto
        self._key = key
        self._salt = salt_seed & 0xFFFFFFFFFFFFFFFF
        cipher, aes, triple_des, self._cbc, self._cfb = _ciphers()
        self._cipher = cipher
        if proto == "DES":
            self._des_key, self._pre_iv = key[:8], key[8:16]
            self._algo = triple_des(self._des_key * 3)  # three equal keys: single DES
        else:
            self._algo = aes(key)

    def _next_salt(self) -> int:
        self._salt = (self._salt + 1) & 0xFFFFFFFFFFFFFFFF
        return self._salt

    def encrypt(self, plaintext: bytes, boots: int, time: int) -> tuple[bytes, bytes]:
        """(ciphertext, msgPrivacyParameters)."""
        if self.proto == "DES":
            salt = struct.pack(">II", boots & 0xFFFFFFFF, self._next_salt() & 0xFFFFFFFF)
            iv = bytes(a ^ b for a, b in zip(self._pre_iv, salt))
            pad = -len(plaintext) % 8
            enc = self._cipher(self._algo, self._cbc(iv)).encryptor()
            return enc.update(plaintext + bytes(pad)) + enc.finalize(), salt
        salt = struct.pack(">Q", self._next_salt())
        iv = struct.pack(">II", boots & 0xFFFFFFFF, time & 0xFFFFFFFF) + salt
        enc = self._cipher(self._algo, self._cfb(iv)).encryptor()
        return enc.update(plaintext) + enc.finalize(), salt

    def decrypt(self, ciphertext: bytes, priv_params: bytes, boots: int, time: int) -> bytes:
        if len(priv_params) != 8:
            raise DecryptionError("privacy parameters are not 8 octets")
        if self.proto == "DES":
            if len(ciphertext) % 8:
                raise DecryptionError("DES ciphertext is not a multiple of 8 octets")
            iv = bytes(a ^ b for a, b in zip(self._pre_iv, priv_params))
            dec = self._cipher(self._algo, self._cbc(iv)).decryptor()
        else:
            iv = struct.pack(">II", boots & 0xFFFFFFFF, time & 0xFFFFFFFF) + priv_params
            dec = self._cipher(self._algo, self._cfb(iv)).decryptor()
        return dec.update(ciphertext) + dec.finalize()
