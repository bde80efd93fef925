# An independent check of vectors.json: the messages written out from docs/GLOBAL.md's format by
# hand, keys and signatures made and verified with Python's `cryptography` (not the Rust code).
# Run: python3 crates/kit/device-protocol/tests/check_vectors.py
import base64, hashlib, json, pathlib
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives import serialization
from cryptography.exceptions import InvalidSignature

v = json.loads((pathlib.Path(__file__).parent / "vectors.json").read_text())
def priv(seed): return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(seed))
def pub_b64(seed):
    return base64.b64encode(priv(seed).public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode()
def sig(seed, msg): return base64.b64encode(priv(seed).sign(msg.encode())).decode()
def verifies(pk, msg, s):
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(pk)).verify(base64.b64decode(s), msg.encode()); return True
    except InvalidSignature: return False
def reg_msg(d, k, n): return '{"deviceId":"%s","devicePublicKey":"%s","nonce":"%s"}' % (d, k, n)
def req_msg(m, p, t, body): return "ECKWMS-DEVICE-V1\n" + m.upper() + "\n" + p + "\n" + str(t) + "\n" + hashlib.sha256(body.encode()).hexdigest()
n = 0
for k in v["keys"]:
    assert pub_b64(k["seed"]) == k["publicKey"], k; n += 1
for x in v["nonces"]:
    assert base64.urlsafe_b64encode(bytes.fromhex(x["random"])).decode().rstrip("=") == x["nonce"]; n += 1
for r in v["registrations"]:
    assert pub_b64(r["seed"]) == r["publicKey"]
    m = reg_msg(r["deviceId"], r["publicKey"], r["nonce"])
    assert m == r["message"], (m, r["message"])
    assert sig(r["seed"], m) == r["signature"]; n += 1
for r in v["keyChanges"]:
    assert pub_b64(r["oldSeed"]) == r["oldPublicKey"] and pub_b64(r["newSeed"]) == r["newPublicKey"]
    m = reg_msg(r["deviceId"], r["newPublicKey"], r["nonce"])
    assert m == r["message"]
    assert sig(r["newSeed"], m) == r["signature"]
    assert sig(r["oldSeed"], m) == r["oldKeySignature"]; n += 1
for r in v["requests"]:
    assert pub_b64(r["seed"]) == r["publicKey"]
    assert hashlib.sha256(r["body"].encode()).hexdigest() == r["bodySha256"]
    m = req_msg(r["method"], r["pathAndQuery"], r["timestamp"], r["body"])
    assert m == r["message"], (m, r["message"])
    assert sig(r["seed"], m) == r["signature"]
    assert abs(r["now"] - r["timestamp"]) <= 300; n += 1
for r in v["refused"]["registrations"]:
    m = reg_msg(r["deviceId"], r["publicKey"], r["nonce"])
    own = verifies(r["publicKey"], m, r["signature"])
    if r["code"] == "invalid_signature": assert not own
    else:
        assert own and r["existingKey"] and r["existingKey"] != r["publicKey"]
        assert r["oldKeySignature"] is None or not verifies(r["existingKey"], m, r["oldKeySignature"])
    n += 1
for r in v["refused"]["requests"]:
    m = req_msg(r["method"], r["pathAndQuery"], r["timestamp"], r["body"])
    ok = verifies(r["publicKey"], m, r["signature"])
    if r["code"] == "stale_device_signature": assert ok and abs(r["now"] - r["timestamp"]) > 300
    else: assert not ok and abs(r["now"] - r["timestamp"]) <= 300
    n += 1
print(f"{n} cases checked")
