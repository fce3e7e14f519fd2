package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/wabihq/wabi/internal/wabi"
)

// TestPhoneNumbersMigration: numbers stored before registration was modelled
// come out of the migration verified, approved and able to send, with an empty
// profile.
func TestPhoneNumbersMigration(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "wabi.db")
	db, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		t.Fatal(err)
	}
	fsys, err := fs.Sub(migrations, "migration")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 2); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`INSERT INTO businesses (id, name, created_at) VALUES ('b1', 'Old Co', 1)`,
		`INSERT INTO wabas (id, business_id, name, currency, timezone_id, namespace, created_at) VALUES ('w1', 'b1', 'Old', 'USD', '1', 'ns', 1)`,
		`INSERT INTO phone_numbers (id, waba_id, display_phone_number, verified_name, platform, registered, quality_rating, created_at)
			VALUES ('p1', 'w1', '15550001000', 'Old Shop', 'CLOUD_API', 1, 'GREEN', 1)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pn, err := s.PhoneNumber(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if !pn.Registered || pn.CodeVerificationStatus != "VERIFIED" || pn.NameStatus != "APPROVED" ||
		pn.Throughput != "STANDARD" || pn.MessagingLimit != "TIER_250" || pn.PINHash != "" || pn.PendingCode != "" ||
		!pn.PendingCodeExpiresAt.IsZero() || len(pn.Registrations) != 0 {
		t.Errorf("migrated number = %+v", pn)
	}
	prof, err := s.Profile(ctx, "p1")
	if err != nil || prof.PhoneNumberID != "p1" || prof.About != "" || prof.PictureSHA256 != "" {
		t.Errorf("profile of a migrated number = %+v, %v", prof, err)
	}
	if _, err := s.UploadSession(ctx, "upload:none"); wabi.ErrorCode(err) != wabi.ENotFound {
		t.Errorf("UploadSession after the migration = %v, want not_found", err)
	}
}
