"""Checks a hearken-draw-v1 prize draw: python3 verify_draw.py draw.json (or the JSON on stdin)."""
import hashlib, hmac, json, sys

doc = json.load(open(sys.argv[1], encoding="utf-8") if len(sys.argv) > 1 else sys.stdin)
seed = bytes.fromhex(doc["seed"])
entrants = sorted(doc["entrants"], key=lambda e: e["ticket"])
lines = "".join(f"{e['ticket']}:{e['receipt']}\n" for e in entrants)
digest = hashlib.sha256(lines.encode()).hexdigest()
text = f"hearken-draw-v1|{doc['survey_id']}|{digest}|{doc.get('beacon_value') or ''}"
key = hmac.new(seed, text.encode(), hashlib.sha256).digest()
pool, winners, k = [e["ticket"] for e in entrants], [], 0
while len(winners) < doc["winners_wanted"] and pool:
    x = int.from_bytes(hmac.new(key, k.to_bytes(8, "big"), hashlib.sha256).digest()[:8], "big")
    if x < 2**64 - (2**64 % len(pool)):  # else skip k, so that every ticket is equally likely
        winners.append(pool.pop(x % len(pool)))
    k += 1
results = {
    "commitment": hashlib.sha256(seed).hexdigest() == doc["commitment"],
    "entrants digest": digest == doc.get("entrants_digest"),
    "winners": winners == doc.get("winners"),
}
print("entrants digest:", digest)
print("winners:", winners)
for name, ok in results.items():
    print(f"{name}: {'matches' if ok else 'MISMATCH'}")
print("all match" if all(results.values()) else "MISMATCH: this draw does not verify")
sys.exit(0 if all(results.values()) else 1)
