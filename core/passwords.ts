// Password hashing for portal users: Argon2id (OWASP's first choice) with its recommended
// minimum parameters, through @node-rs/argon2 (a maintained native binding, no build step).
import { hash, verify, type Algorithm } from '@node-rs/argon2';

const ARGON2_OPTIONS = {
  // Algorithm.Argon2id: a const enum, which isolated modules cannot read.
  algorithm: 2 as Algorithm,
  memoryCost: 19_456, // KiB (19 MiB)
  timeCost: 2,
  parallelism: 1,
} as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2_OPTIONS);
}

export function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  return verify(passwordHash, password);
}
