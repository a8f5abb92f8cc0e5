/**
 * Type-level contract tests: what issue 14 promises a TypeScript integrator, checked by
 * `tsc --strict` in `make openapi-check` (this file is compiled, never run). A check is either
 * an `Expect<...>` that only compiles when it holds, or a `@ts-expect-error` line that fails the
 * build when the mistake it guards against stops being a type error. Each such line is one
 * statement, because the directive covers only the line after it; and each has a sibling that
 * must compile with the same types, so that an unrelated error (a type that went missing from
 * the schema, say) cannot be what satisfies the directive.
 */
import type { Client } from "openapi-fetch";
import type { paths } from "../src/schema.js";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;
/** A string literal or a union of them; `string`, and a union that absorbed it, is not. */
type IsStringLiterals<T> = [T] extends [never] ? false : [T] extends [string] ? (string extends T ? false : true) : false;
type Contains<Union, Member> = [Member] extends [Union] ? true : false;

/** The helpers themselves: without these, a broken helper would let every check pass. */
export type HelperChecks = [
  Expect<Equal<IsStringLiterals<"a" | "b">, true>>,
  Expect<Equal<IsStringLiterals<"a">, true>>,
  Expect<Equal<IsStringLiterals<string>, false>>,
  Expect<Equal<IsStringLiterals<"a" | string>, false>>,
  Expect<Equal<IsStringLiterals<unknown>, false>>,
  Expect<Equal<IsStringLiterals<never>, false>>,
  Expect<Equal<Contains<"a" | "b", "a">, true>>,
  Expect<Equal<Contains<"a" | "b", "c">, false>>,
  Expect<Equal<Equal<string, "a">, false>>,
];

const NIK = "3174101704820001";

/* (1) The `type` of a 404 from GET /v1/citizens/{nik} is a union of string literals. */

type CitizenGet = paths["/v1/citizens/{nik}"]["get"];
type CitizenNotFound = CitizenGet["responses"][404]["content"]["application/problem+json"];

/** What openapi-fetch hands the caller as `error`: the bodies of every documented error status. */
async function citizenCallProblem(client: Client<paths>) {
  const { error } = await client.GET("/v1/citizens/{nik}", { params: { path: { nik: NIK } } });
  return error;
}
type CitizenCallProblem = NonNullable<Awaited<ReturnType<typeof citizenCallProblem>>>;

export type ProblemTypeChecks = [
  Expect<IsStringLiterals<CitizenNotFound["type"]>>,
  Expect<Contains<CitizenNotFound["type"], "https://satupintu.go.id/problems/citizen-not-found">>,
  Expect<IsStringLiterals<CitizenCallProblem["type"]>>,
  Expect<Contains<CitizenCallProblem["type"], "https://satupintu.go.id/problems/validation-error">>,
];

// @ts-expect-error a misspelt problem URI is none the API documents
export const misspeltProblem: CitizenNotFound["type"] = "https://satupintu.go.id/problems/citizen-not-fund";

/* (2) The `data` of a `vehicle-tax-renewal` submission requires `plate_number`. */

type Submission = paths["/v1/service-requests"]["post"]["requestBody"]["content"]["application/json"];

export const renewal: Submission = { service: "vehicle-tax-renewal", nik: NIK, data: { plate_number: "B 9661 SX" } };

// @ts-expect-error a renewal without the plate it renews
export const renewalWithoutPlate: Submission = { service: "vehicle-tax-renewal", nik: NIK, data: {} };

// @ts-expect-error an address change's data is not a renewal's
export const renewalWithAddress: Submission = { service: "vehicle-tax-renewal", nik: NIK, data: { street: "Jl. Pandanaran No. 10", rt: "002", rw: "004", village_code: "33.74.09.1001" } };

export async function submitWithoutPlate(client: Client<paths>): Promise<void> {
  // @ts-expect-error the client refuses the same body at the call
  await client.POST("/v1/service-requests", { body: { service: "vehicle-tax-renewal", nik: NIK, data: {} } });
}

/* (3) A misspelt `include` value fails tsc. */

type Include = NonNullable<NonNullable<CitizenGet["parameters"]["query"]>["include"]>;

export type IncludeChecks = [
  Expect<IsStringLiterals<Extract<Include, readonly unknown[]>[number]>>,
];

export const everyPart: Include = ["family", "vehicles", "businesses"];

// @ts-expect-error `vehicle` is not a part of a profile
export const misspeltPart: Include = ["vehicle"];

export async function readWithMisspeltInclude(client: Client<paths>): Promise<void> {
  // @ts-expect-error the client refuses the same value at the call
  await client.GET("/v1/citizens/{nik}", { params: { path: { nik: NIK }, query: { include: ["vehicle"] } } });
}

/* (4) `sources` stays an open map: an agency that joins at run time has a key of its own. */

type Profile = CitizenGet["responses"][200]["content"]["application/json"];
type VehiclesOfCitizen =
  paths["/v1/citizens/{nik}/vehicles"]["get"]["responses"][200]["content"]["application/json"];

export type SourcesChecks = [
  Expect<Contains<keyof Profile["sources"], string>>,
  Expect<Contains<keyof VehiclesOfCitizen["sources"], string>>,
  Expect<IsStringLiterals<Profile["sources"][string]["status"]>>,
];

export const joinedAtRunTime: Profile["sources"] = { bapenda_51: { status: "ok", latency_ms: 12 } };
