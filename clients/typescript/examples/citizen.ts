/**
 * Reads a citizen's profile, renews the tax of one of their vehicles and handles the problems
 * the API documents, all through the typed client: `tsc` checks every path, parameter, body
 * and `problem.type` below against openapi/openapi.json.
 *
 * With `make run` going (its banner prints the demo-officer secret):
 *   SATUPINTU_CLIENT_SECRET=<secret> npx tsx examples/citizen.ts
 */
import { createSatupintuClient, fetchToken, type SatupintuClient } from "../src/index.js";

const BASE_URL = process.env["SATUPINTU_URL"] ?? "http://127.0.0.1:8000";
const NIK = process.env["SATUPINTU_NIK"] ?? "3174101704820001";
const PURPOSE = "SAMSAT counter: annual tax renewal, queue 0412";

/** Prints the citizen's vehicles and returns the plate of the first, if any. */
async function readProfile(client: SatupintuClient, nik: string): Promise<string | undefined> {
  const { data: profile, error: problem } = await client.GET("/v1/citizens/{nik}", {
    params: { path: { nik }, query: { include: ["vehicles"] }, header: { "x-purpose": PURPOSE } },
  });
  if (problem) {
    process.exitCode = 1;
    // `problem.type` is a union of the URIs this call documents (with the default problem base
    // URI): a misspelt case below, or one this call can never answer, fails to compile.
    switch (problem.type) {
      case "https://satupintu.go.id/problems/citizen-not-found":
        console.error(`No citizen ${nik} in the civil registry.`);
        return undefined;
      case "https://satupintu.go.id/problems/validation-error":
        for (const field of problem.errors ?? []) {
          console.error(`${field.field}: ${field.message}`);
        }
        return undefined;
      case "https://satupintu.go.id/problems/purpose-required":
        console.error("Officer clients must say why they read personal data (X-Purpose).");
        return undefined;
      default:
        throw new Error(`${problem.status} ${problem.title}: ${problem.detail ?? ""}`);
    }
  }
  // A partial answer is still an answer: `sources` says which agency did not reply.
  for (const [agency, source] of Object.entries(profile.sources)) {
    console.log(`${agency}: ${source.status}`);
  }
  for (const vehicle of profile.vehicles ?? []) {
    console.log(`${vehicle.plate_number}: tax ${vehicle.tax.status}`);
  }
  return profile.vehicles?.[0]?.plate_number;
}

/** Submits a renewal; the body is checked against the `vehicle-tax-renewal` variant. */
async function renew(client: SatupintuClient, nik: string, plateNumber: string): Promise<void> {
  const { data: request, error: problem, response } = await client.POST("/v1/service-requests", {
    params: { header: { "x-purpose": PURPOSE } },
    body: { service: "vehicle-tax-renewal", nik, data: { plate_number: plateNumber } },
  });
  if (problem) {
    throw new Error(`${problem.status} ${problem.title}: ${problem.detail ?? ""}`);
  }
  console.log(`renewal ${request.id}: ${request.status}, follow ${response.headers.get("Location")}`);
}

const clientSecret = process.env["SATUPINTU_CLIENT_SECRET"];
if (clientSecret === undefined) {
  throw new Error("set SATUPINTU_CLIENT_SECRET to the demo-officer secret `make run` prints");
}
const token = await fetchToken(BASE_URL, {
  clientId: process.env["SATUPINTU_CLIENT_ID"] ?? "demo-officer",
  clientSecret,
});
const client = createSatupintuClient(BASE_URL, token.access_token);
const plate = await readProfile(client, NIK);
if (plate !== undefined) {
  await renew(client, NIK, plate);
}
