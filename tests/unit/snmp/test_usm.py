"""USM key localisation, HMACs and ciphers agree with RFC 3414's vectors and with pysnmp's."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyasn1.type import univ
from pysnmp.proto.secmod.rfc3414 import localkey  # before eso: pysnmp's modules import each other
from pysnmp.proto.secmod.eso.priv import aes192, aes256
from pysnmp.proto.secmod.rfc3414.auth import hmacmd5, hmacsha
from pysnmp.proto.secmod.rfc3414.priv import des
from pysnmp.proto.secmod.rfc3826.priv import aes
from pysnmp.proto.secmod.rfc7860.auth import hmacsha2

from agent.snmp import usm
from agent.snmp.errors import DecryptionError

ENGINE = bytes.fromhex("000000000000000000000002")  # RFC 3414 A.3's engine ID

PYSNMP_AUTH = {
    "MD5": hmacmd5.HmacMd5(), "SHA": hmacsha.HmacSha(),
    "SHA224": hmacsha2.HmacSha2(hmacsha2.HmacSha2.SHA224_SERVICE_ID),
    "SHA256": hmacsha2.HmacSha2(hmacsha2.HmacSha2.SHA256_SERVICE_ID),
    "SHA384": hmacsha2.HmacSha2(hmacsha2.HmacSha2.SAH384_SERVICE_ID),
    "SHA512": hmacsha2.HmacSha2(hmacsha2.HmacSha2.SHA512_SERVICE_ID),
}
SERVICE_IDS = {"MD5": hmacmd5.HmacMd5.SERVICE_ID, "SHA": hmacsha.HmacSha.SERVICE_ID,
               "SHA224": hmacsha2.HmacSha2.SHA224_SERVICE_ID, "SHA256": hmacsha2.HmacSha2.SHA256_SERVICE_ID,
               "SHA384": hmacsha2.HmacSha2.SAH384_SERVICE_ID, "SHA512": hmacsha2.HmacSha2.SHA512_SERVICE_ID}
PYSNMP_PRIV = {"DES": des.Des(), "AES": aes.Aes(), "AES192": aes192.AesBlumenthal192(),
               "AES256": aes256.AesBlumenthal256()}


def test_rfc_3414_appendix_a3_vectors_for_md5_and_sha():
    assert usm.localize("md5", usm.password_to_key("md5", b"maplesyrup"), ENGINE).hex() == \
        "526f5eed9fcce26f8964c2930787d82b"
    assert usm.localize("sha1", usm.password_to_key("sha1", b"maplesyrup"), ENGINE).hex() == \
        "6695febc9288e36282235fc7151f128497b38f3f"


@pytest.mark.parametrize("auth", sorted(usm.AUTH))
@pytest.mark.parametrize("priv", [None, *sorted(usm.PRIV_KEY_LEN)])
def test_localised_keys_match_pysnmp_for_every_auth_and_priv_pair(auth, priv):
    engine = b"\x80\x00\x1f\x88\x80" + bytes(range(8))
    their_engine = univ.OctetString(engine)
    auth_key, priv_key = usm.localized_keys(auth, b"auth-pass-0815", priv, b"priv-pass-4711" if priv else None, engine)
    theirs = PYSNMP_AUTH[auth]
    ku = theirs.hash_passphrase(b"auth-pass-0815")
    assert auth_key == bytes(theirs.localize_key(ku, their_engine))
    if priv:
        pp = PYSNMP_PRIV[priv]
        ku = pp.hash_passphrase(SERVICE_IDS[auth], b"priv-pass-4711")
        assert priv_key == bytes(pp.localize_key(SERVICE_IDS[auth], ku, their_engine))[:usm.PRIV_KEY_LEN[priv]]


@pytest.mark.parametrize("auth", sorted(usm.AUTH))
def test_our_hmac_is_what_pysnmp_computes_and_verifies(auth):
    proto = usm.AUTH[auth]
    key = hashlib.new(proto.hash, b"k").digest()
    msg = b"\x30\x10head" + bytes(proto.mac_len) + b"tail"
    at = 6
    theirs = bytes(PYSNMP_AUTH[auth].authenticate_outgoing_message(univ.OctetString(key), msg))
    mac = usm.sign(proto, key, msg)
    assert theirs == msg[:at] + mac + msg[at + proto.mac_len:]
    assert usm.verify(proto, key, theirs, at, mac)
    assert not usm.verify(proto, key, theirs, at, bytes(proto.mac_len))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(sorted(usm.PRIV_KEY_LEN)), st.binary(min_size=1, max_size=600),
       st.integers(0, 2**31 - 1), st.integers(0, 2**31 - 1))
def test_what_we_encrypt_pysnmp_decrypts_and_back(priv, plaintext, boots, now):
    key = hashlib.sha512(priv.encode()).digest()[:usm.PRIV_KEY_LEN[priv]]
    ours = usm.Privacy(priv, key, 1234)
    cipher, salt = ours.encrypt(plaintext, boots, now)
    theirs = PYSNMP_PRIV[priv]
    k = univ.OctetString(key)
    back = theirs.decrypt_data(k, (boots, now, univ.OctetString(salt)), univ.OctetString(cipher))
    assert bytes(back)[:len(plaintext)] == plaintext
    their_cipher, their_salt = theirs.encrypt_data(k, (boots, now, None), plaintext)
    assert ours.decrypt(bytes(their_cipher), bytes(their_salt), boots, now)[:len(plaintext)] == plaintext


def test_every_encryption_uses_a_new_salt():
    p = usm.Privacy("AES", bytes(16), 2**64 - 1)
    salts = {p.encrypt(b"same", 1, 1)[1] for _ in range(5)}
    assert len(salts) == 5


def test_privacy_parameters_of_the_wrong_size_are_a_decryption_error():
    with pytest.raises(DecryptionError):
        usm.Privacy("DES", bytes(16), 0).decrypt(bytes(16), b"short", 0, 0)
    with pytest.raises(DecryptionError):
        usm.Privacy("DES", bytes(16), 0).decrypt(bytes(15), bytes(8), 0, 0)


def test_key_derivation_matches_pysnmp_reference_helpers_for_md5():
    assert usm.password_to_key("md5", b"maplesyrup") == bytes(localkey.hash_passphrase_md5(b"maplesyrup"))


@pytest.mark.parametrize(("auth", "priv"), [("SHA256", "AES"), ("MD5", "DES"), ("SHA", "AES256"), ("SHA512", None)])
def test_a_sealed_message_opens_with_the_same_keys_and_any_tampering_is_an_snmp_error(auth, priv):
    from agent.snmp import ber, messages
    from agent.snmp import v3 as usm3
    from agent.snmp.errors import SnmpError
    from agent.snmp.types import V3Auth

    user = V3Auth("monitor", auth, "auth-pass-0815", priv, "priv-pass-4711" if priv else None)
    peer = usm3.PeerState(engine_id=b"\x80\x00\x1f\x88\x04engine", boots=7, time=1234)
    sec = usm3.Security(user, peer.engine_id)
    pdu = messages.encode_pdu(ber.RESPONSE, 99, 0, 0, ber.encode_varbinds(
        [("1.3.6.1.2.1.1.5.0", ber.encode_value("OctetString", b"pdu-a01"))]))
    sealed = usm3.seal(sec, peer, 99, 65507, pdu)
    opened = usm3.open_message(sec, messages.decode_message(sealed), sealed)
    assert (opened.request_id, opened.varbinds[0][2]) == (99, b"pdu-a01")
    unnoticed = []
    for at in range(len(sealed)):  # the HMAC covers every octet: each change is refused
        tampered = sealed[:at] + bytes((sealed[at] ^ 0x5A,)) + sealed[at + 1:]
        try:
            usm3.open_message(sec, messages.decode_message(tampered), tampered)
        except SnmpError:
            continue
        unnoticed.append(at)
    assert unnoticed == []
