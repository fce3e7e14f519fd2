package sqlrow

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// row is a result row held in memory: Scan stores each value in its
// destination, converting as a driver would (a string into a named string
// type, nil into a nil pointer, bytes into a string).
type row []any

func (r row) Scan(dest ...any) error {
	if len(dest) != len(r) {
		return fmt.Errorf("scan: %d destinations for %d columns", len(dest), len(r))
	}
	for i, d := range dest {
		dv := reflect.ValueOf(d).Elem()
		v := r[i]
		switch {
		case v == nil:
			dv.SetZero()
		case dv.Kind() == reflect.Pointer:
			p := reflect.New(dv.Type().Elem())
			p.Elem().Set(reflect.ValueOf(v).Convert(dv.Type().Elem()))
			dv.Set(p)
		default:
			dv.Set(reflect.ValueOf(v).Convert(dv.Type()))
		}
	}
	return nil
}

// idLast turns arguments in the order "columns after the id, then the id"
// back into column order.
func idLast(args []any) row {
	return append(row{args[len(args)-1]}, args[:len(args)-1]...)
}

// cols counts the columns of a column list.
func cols(list string) int { return strings.Count(list, ",") + 1 }

func at(sec int64) time.Time { return time.Unix(1_700_000_000+sec, 5).UTC() }

// Every shape reads back what its arguments wrote, column for column: the
// column list, the scan and the arguments agree on the order.
func TestShapesRoundTrip(t *testing.T) {
	must := func(args []any, err error) []any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return args
	}
	phone := &wabi.PhoneNumber{ID: "p1", WABAID: "w1", DisplayPhoneNumber: "15550001", Platform: "CLOUD_API",
		Registered: true, CreatedAt: at(1), PendingCodeExpiresAt: at(2), Registrations: []time.Time{at(3), at(4)}}
	app := &wabi.App{ID: "a1", BusinessID: "b1", Name: "app", Fields: []string{"messages"}, CreatedAt: at(1)}
	token := &wabi.Token{Value: "v", BusinessID: "b1", Name: "t", WABAIDs: []string{"w1"}, Scopes: []string{"s"},
		CreatedAt: at(1)}
	tmpl := &wabi.Template{ID: "t1", WABAID: "w1", Name: "hello", Language: "en", Category: "UTILITY",
		Status: "APPROVED", AllowCategoryChange: true, CreatedAt: at(1), UpdatedAt: at(2), Edits: []time.Time{at(3)}}
	media := &wabi.MediaFile{ID: "m1", PhoneNumberID: "p1", SHA256: "h", MimeType: "image/webp", Size: 3,
		Animated: true, CreatedAt: at(1), ExpiresAt: at(2)}
	upload := &wabi.UploadSession{ID: "u1", AppID: "a1", FileName: "f", FileLength: 9, Chunks: []string{"c"},
		CreatedAt: at(1), ExpiresAt: at(2)}
	record := &wabi.Record{Scope: "p1", Kind: "k", Key: "x", Value: []byte("v"), ExpiresAt: at(1), UpdatedAt: at(2)}
	profile := &wabi.BusinessProfile{PhoneNumberID: "p1", About: "hi", Websites: []string{"https://example.com"},
		UpdatedAt: at(1)}
	msg := &wabi.Message{ID: "wamid.1", PhoneNumberID: "p1", WaID: "1555", Direction: "outbound", Type: "text",
		Timestamp: at(1), Status: "failed", StatusAt: at(2), Node: "n1",
		Error: &wabi.Error{Code: wabi.ENotFound, Message: "gone"}}
	sub := &wabi.Subscription{WABAID: "w1", AppID: "a1", VerifyToken: "vt", CreatedAt: at(1)}
	vp := &wabi.VirtualPhone{WaID: "1555", ProfileName: "Ann", CreatedAt: at(1)}

	for _, tc := range []struct {
		name string
		cols string
		want any
		row  row
		scan func(Scanner) (any, error)
	}{
		{"business", BusinessCols, &wabi.Business{ID: "b1", Name: "B", CreatedAt: at(1)},
			BusinessArgs(&wabi.Business{ID: "b1", Name: "B", CreatedAt: at(1)}),
			func(sc Scanner) (any, error) { return ScanBusiness(sc) }},
		{"waba", WABACols, &wabi.WABA{ID: "w1", BusinessID: "b1", Currency: "USD", CreatedAt: at(1)},
			WABAArgs(&wabi.WABA{ID: "w1", BusinessID: "b1", Currency: "USD", CreatedAt: at(1)}),
			func(sc Scanner) (any, error) { return ScanWABA(sc) }},
		{"phone", PhoneCols, phone, idLast(must(PhoneArgs(phone))),
			func(sc Scanner) (any, error) { return ScanPhone(sc) }},
		{"app", AppCols, app, idLast(must(AppArgs(app))), func(sc Scanner) (any, error) { return ScanApp(sc) }},
		{"subscription", SubscriptionCols, sub, SubscriptionArgs(sub),
			func(sc Scanner) (any, error) { return ScanSubscription(sc) }},
		{"token", TokenCols, token, must(TokenArgs(token)), func(sc Scanner) (any, error) { return ScanToken(sc) }},
		{"template", TemplateCols, tmpl, idLast(must(TemplateArgs(tmpl))),
			func(sc Scanner) (any, error) { return ScanTemplate(sc) }},
		{"virtual phone", VirtualPhoneCols, vp, must(VirtualPhoneArgs(vp)),
			func(sc Scanner) (any, error) { return ScanVirtualPhone(sc) }},
		{"media", MediaCols, media, MediaArgs(media), func(sc Scanner) (any, error) { return ScanMedia(sc) }},
		{"upload", UploadCols, upload, idLast(must(UploadArgs(upload))),
			func(sc Scanner) (any, error) { return ScanUpload(sc) }},
		{"record", RecordCols, record, RecordArgs(record), func(sc Scanner) (any, error) { return ScanRecord(sc) }},
		{"profile", ProfileInsertCols, profile, must(ProfileArgs(profile)),
			func(sc Scanner) (any, error) { return ScanProfile(sc) }},
		{"message", MessageCols, msg, must(MessageArgs(msg)), func(sc Scanner) (any, error) { return ScanMessage(sc) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if n := cols(tc.cols); n != len(tc.row) {
				t.Fatalf("%d columns, %d arguments", n, len(tc.row))
			}
			got, err := tc.scan(tc.row)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("read back %+v, want %+v", got, tc.want)
			}
		})
	}
}

// A nil record value and a nil delivery body bind as empty bytes, not NULL.
func TestNotNullBytes(t *testing.T) {
	if v := RecordArgs(&wabi.Record{})[3]; v == nil || len(v.([]byte)) != 0 || v.([]byte) == nil {
		t.Fatalf("record value = %#v, want empty non-nil bytes", v)
	}
	if b := DeliveryBody(&wabi.Delivery{}); b == nil {
		t.Fatal("delivery body is nil")
	}
}

// Extra reads the shape's columns, then the extra ones.
func TestExtra(t *testing.T) {
	var seq int64
	m, err := ScanRecord(Extra(row{"p1", "k", "x", []byte("v"), int64(0), int64(0), int64(42)}, &seq))
	if err != nil {
		t.Fatal(err)
	}
	if m.Key != "x" || seq != 42 {
		t.Fatalf("read key %q, seq %d; want x, 42", m.Key, seq)
	}
}
