import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";

/** A signing key of the fake identity provider: its private half signs, its public JWK is served. */
export interface IdpKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  jwk: JWK;
}

export async function idpKey(alg: "RS256" | "ES256", kid: string): Promise<IdpKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg);
  return { kid, alg, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: "sig" } };
}

/** A JWT signed by an IdP key (header `alg`, `kid`, `typ: JWT`); `kid` may be overridden (unknown kids) or null (none). */
export function idpJwt(key: IdpKey, claims: JWTPayload, kid: string | null = key.kid): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, typ: "JWT", ...(kid === null ? {} : { kid }) })
    .sign(key.privateKey);
}

/**
 * The identity provider's JWKS endpoint over real HTTP (node:http), counting its hits. `keys` is what it
 * serves now (rotate by assigning); `status` other than 200 makes it answer that status with no keys.
 */
export class JwksServer {
  hits = 0;
  keys: JWK[] = [];
  status = 200;
  private server: Server | undefined;
  url = "";

  static async start(keys: IdpKey[] = []): Promise<JwksServer> {
    const s = new JwksServer();
    s.keys = keys.map((k) => k.jwk);
    s.server = createServer((_req, res) => {
      s.hits++;
      if (s.status !== 200) {
        res.writeHead(s.status).end();
        return;
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: s.keys }));
    });
    await new Promise<void>((done) => s.server!.listen(0, "127.0.0.1", done));
    s.url = `http://127.0.0.1:${(s.server.address() as AddressInfo).port}/.well-known/jwks.json`;
    return s;
  }

  close(): Promise<void> {
    return new Promise((done) => {
      if (!this.server) return done();
      this.server.close(() => done());
      this.server.closeAllConnections();
    });
  }
}
