import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  addressLine,
  formatDate,
  formatDateTime,
  formatDeadline,
  formatRupiah,
  jakartaToday,
  maskNik,
  parseCalendarDate,
  requestSettled,
} from "../src/lib/format.js";

describe("rupiah", () => {
  it("groups thousands the Indonesian way, and the English way in English", () => {
    assert.equal(formatRupiah(3_450_000, "id"), "Rp 3.450.000");
    assert.equal(formatRupiah(3_450_000, "en"), "Rp 3,450,000");
  });

  it("shows whole rupiah only", () => {
    assert.equal(formatRupiah(999.6, "id"), "Rp 1.000");
    assert.equal(formatRupiah(0, "id"), "Rp 0");
  });
});

describe("dates in Asia/Jakarta", () => {
  it("names the weekday and month in the reader's language", () => {
    assert.equal(formatDate("2025-12-08", "id", { weekday: true }), "Senin, 8 Desember 2025");
    assert.equal(formatDate("2025-12-08", "en", { weekday: true }), "Monday, 8 December 2025");
  });

  it("shows an instant in Jakarta time, whatever the machine's zone", () => {
    // 17:30 UTC is already the next day in Jakarta (UTC+7).
    assert.equal(formatDateTime("2025-12-08T17:30:00Z", "id"), "9 Desember 2025 pukul 00.30 WIB");
    assert.equal(formatDateTime("2025-12-08T17:30:00Z", "en"), "9 December 2025 at 00:30 WIB");
  });

  it("takes today's date from Jakarta's clock", () => {
    assert.equal(jakartaToday(new Date("2025-12-07T16:59:59Z")), "2025-12-07");
    assert.equal(jakartaToday(new Date("2025-12-07T17:00:00Z")), "2025-12-08");
  });

  it("refuses dates that do not exist, and shows them as given", () => {
    assert.equal(parseCalendarDate("2025-02-30"), null);
    assert.equal(formatDate("2025-02-30", "id"), "2025-02-30");
    assert.equal(formatDateTime("not a time", "en"), "not a time");
  });
});

describe("deadlines", () => {
  it("says how many working days are left, or how late, next to the date", () => {
    assert.equal(formatDeadline("2025-12-10", "id", { kind: "left", days: 2 }), "Rabu, 10 Desember 2025 (2 hari kerja lagi)");
    assert.equal(formatDeadline("2025-12-09", "en", { kind: "left", days: 1 }), "Tuesday, 9 December 2025 (1 working day left)");
    assert.equal(formatDeadline("2025-12-08", "id", { kind: "lastDay" }), "Senin, 8 Desember 2025 (hari ini hari kerja terakhir)");
    assert.equal(formatDeadline("2025-12-04", "en", { kind: "late", days: 2 }), "Thursday, 4 December 2025 (2 working days late)");
    assert.equal(formatDeadline("2025-12-04", "id", { kind: "late", days: 2 }), "Kamis, 4 Desember 2025 (terlambat 2 hari kerja)");
  });

  it("says a deadline passed over a weekend has passed, not that it is zero days late", () => {
    assert.equal(formatDeadline("2025-12-05", "id", { kind: "late", days: 0 }), "Jumat, 5 Desember 2025 (tenggat sudah lewat)");
    assert.equal(formatDeadline("2025-12-05", "en", { kind: "late", days: 0 }), "Friday, 5 December 2025 (past the deadline)");
  });

  it("shows the date alone while the working days are not known", () => {
    assert.equal(formatDeadline("2025-12-10", "id", undefined), "Rabu, 10 Desember 2025");
  });
});

describe("request progress", () => {
  it("is settled once nothing will change by itself", () => {
    assert.ok(requestSettled("completed"));
    assert.ok(requestSettled("rejected"));
    assert.ok(requestSettled("failed"));
    assert.ok(requestSettled("cancelled"));
    assert.ok(!requestSettled("awaiting_payment"));
    assert.ok(!requestSettled("in_progress"));
  });
});

describe("NIK masking", () => {
  it("keeps the region and the serial, hides the birth date", () => {
    assert.equal(maskNik("3374091203840001"), "3374********0001");
    assert.equal(maskNik("123"), "123");
  });
});

describe("addresses", () => {
  it("read on one line as on a KTP, by the regions' names", () => {
    const region = (code: string, name: string) => ({ code, name });
    const address = {
      street: "Jl. Pemuda No. 12",
      rt: "003",
      rw: "007",
      village: region("3374091001", "Sekayu"),
      district: region("337409", "Semarang Tengah"),
      regency: region("3374", "Kota Semarang"),
      province: region("33", "Jawa Tengah"),
    };
    assert.equal(addressLine(address), "Jl. Pemuda No. 12, RT 003/RW 007, Sekayu, Semarang Tengah, Kota Semarang, Jawa Tengah");
  });
});
