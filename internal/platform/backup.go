package platform

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"

	"github.com/wabihq/wabi/internal/wabi"
)

// A backup is a deployment's registration and settings, encrypted with a
// password: what POST /v1/settings/backup returns, /v1/settings/restore takes
// back, and the Cloud API's register call takes to migrate the number. Like the
// client's, it holds no messages: those stay in the store under the number.

// Backup is a backup and the password it was made with, as the Cloud API's
// register call carries them for a migration.
type Backup struct {
	Data     string
	Password string
}

// backupMagic starts every backup's plain bytes before encoding, naming the
// format.
var backupMagic = []byte("wabi-backup-1\x00")

// backupIterations is the PBKDF2 work factor of backup keys.
const backupIterations = 100_000

// backupContent is what a backup holds.
type backupContent struct {
	PhoneNumberID      string                `json:"phone_number_id"`
	DisplayPhoneNumber string                `json:"display_phone_number"`
	VerifiedName       string                `json:"verified_name"`
	PINHash            string                `json:"pin_hash,omitempty"`
	Settings           AppSettings           `json:"settings"`
	Providers          []MediaProvider       `json:"media_providers"`
	Shards             int                   `json:"shards"`
	Profile            *wabi.BusinessProfile `json:"profile"`
	CreatedAt          time.Time             `json:"created_at"`
}

// BackupSettings returns the encrypted backup of the caller's deployment (admin
// only). The number must be registered.
func (p *Platform) BackupSettings(ctx context.Context, c Caller, password string) (string, error) {
	if err := RequireAdmin(c); err != nil {
		return "", err
	}
	if password == "" {
		return "", wabi.Errorf(wabi.ERequired, "Parameter 'password' is required.")
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return "", err
	}
	if !pn.Registered {
		return "", wabi.Errorf(wabi.ENotRegistered, "Phone number %s is not registered: register it before taking a backup.", pn.ID)
	}
	pn, err = p.store.PhoneNumber(ctx, pn.ID)
	if err != nil {
		return "", err
	}
	s, err := p.appSettings(ctx, pn.ID)
	if err != nil {
		return "", err
	}
	providers, err := p.providers(ctx, pn.ID)
	if err != nil {
		return "", err
	}
	shards, err := p.shards(ctx, pn.ID)
	if err != nil {
		return "", err
	}
	prof, err := p.store.Profile(ctx, pn.ID)
	if err != nil {
		return "", err
	}
	plain, err := json.Marshal(backupContent{
		PhoneNumberID: pn.ID, DisplayPhoneNumber: pn.DisplayPhoneNumber, VerifiedName: pn.VerifiedName,
		PINHash: pn.PINHash, Settings: *s, Providers: providers, Shards: shards, Profile: prof, CreatedAt: p.clock.Now(),
	})
	if err != nil {
		return "", err
	}
	return sealBackup(plain, password)
}

// RestoreSettings imports a backup of the same number into the caller's
// deployment (admin only): settings, media providers, profile and two-step PIN,
// and registers the number, as a client restored on a new machine starts
// registered.
func (p *Platform) RestoreSettings(ctx context.Context, c Caller, password, data string) error {
	if err := RequireAdmin(c); err != nil {
		return err
	}
	if password == "" || data == "" {
		return wabi.Errorf(wabi.ERequired, "Parameters 'password' and 'data' are required.")
	}
	pn, err := p.DeploymentOf(ctx, c)
	if err != nil {
		return err
	}
	pn, err = p.store.PhoneNumber(ctx, pn.ID)
	if err != nil {
		return err
	}
	b, err := openBackup(data, password, pn)
	if err != nil {
		return err
	}
	if err := p.importBackup(ctx, pn.ID, b); err != nil {
		return err
	}
	pn.PINHash = b.PINHash
	pn.Registered, pn.CodeVerificationStatus = true, CodeVerified
	if err := p.clearGuesses(ctx, pn.ID); err != nil {
		return err
	}
	return p.saveNumber(ctx, pn)
}

// importBackup writes a backup's settings, providers, shards and profile.
func (p *Platform) importBackup(ctx context.Context, phoneNumberID string, b *backupContent) error {
	s := b.Settings
	s.WaID = ""
	if err := p.putAppSettings(ctx, phoneNumberID, &s); err != nil {
		return err
	}
	for _, mp := range b.Providers {
		v, err := json.Marshal(mp)
		if err != nil {
			return err
		}
		if err := p.store.PutRecord(ctx, &wabi.Record{Scope: phoneNumberID, Kind: recProvider, Key: mp.Name, Value: v, UpdatedAt: p.clock.Now()}); err != nil {
			return err
		}
	}
	if b.Shards > 0 {
		if err := p.putShards(ctx, phoneNumberID, b.Shards); err != nil {
			return err
		}
	}
	if b.Profile == nil {
		return nil
	}
	prof := *b.Profile
	prof.PhoneNumberID = phoneNumberID
	// A backup carries no picture bytes: keep the picture only where they are.
	if prof.PictureSHA256 != "" && (p.Blobs == nil || !p.hasBlob(prof.PictureSHA256)) {
		prof.PictureSHA256, prof.PictureMimeType = "", ""
	}
	prof.UpdatedAt = p.clock.Now()
	return p.store.PutProfile(ctx, &prof)
}

func (p *Platform) hasBlob(sha string) bool {
	f, err := p.Blobs.Open(sha)
	if err != nil {
		return false
	}
	f.Close()
	return true
}

// migrate moves an On-Premises number to the Cloud API with its backup, as the
// Cloud API's register call with a backup does: the backup must decrypt and be
// of this number, the PIN must match the backed-up two-step PIN (or becomes the
// PIN if there was none), the deployment's tokens are revoked and from now on
// the number's webhooks go to the apps subscribed to its WABA.
func (p *Platform) migrate(ctx context.Context, pn *wabi.PhoneNumber, r Registration) error {
	if pn.Platform != wabi.PlatformOnPrem {
		return wabi.Errorf(wabi.EInvalidParam, "Phone number %s is not on the On-Premises API: there is nothing to migrate. Register it without backup.", pn.ID)
	}
	b, err := openBackup(r.Backup.Data, r.Backup.Password, pn)
	if err != nil {
		return err
	}
	now := p.clock.Now()
	if err := checkRegistrations(pn, now); err != nil {
		return err
	}
	if b.PINHash != "" {
		pn.PINHash = b.PINHash
		if err := p.matchPIN(ctx, pn, r.PIN, now); err != nil {
			return err
		}
	} else {
		pn.PINHash = hashPIN(r.PIN)
	}
	if err := p.importBackup(ctx, pn.ID, b); err != nil {
		return err
	}
	pn.Platform, pn.Registered, pn.CodeVerificationStatus = wabi.PlatformCloud, true, CodeVerified
	pn.Registrations = recordRegistration(pn.Registrations, now)
	if err := p.saveNumber(ctx, pn); err != nil {
		return err
	}
	// The client is shut down by the migration: its tokens end with it.
	if _, err := p.store.DeleteRecords(ctx, pn.ID, recSession, ""); err != nil {
		return err
	}
	p.dropPrefix("session:" + pn.ID + "|")
	p.drop("appsettings:" + pn.ID)
	p.logger().Info("phone number migrated from the On-Premises API to the Cloud API", "phone_number_id", pn.ID)
	return nil
}

// sealBackup encrypts a backup with AES-256-GCM under a key derived from the
// password, and encodes it as base64: magic, salt, nonce, ciphertext.
func sealBackup(plain []byte, password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	gcm, err := backupCipher(password, salt)
	if err != nil {
		return "", err
	}
	nonce := make([]byte, gcm.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", err
	}
	out := append(append(append([]byte{}, backupMagic...), salt...), nonce...)
	out = gcm.Seal(out, nonce, plain, backupMagic)
	return base64.StdEncoding.EncodeToString(out), nil
}

// openBackup decrypts a backup and checks that it is of the number. A wrong
// password, damaged data or another number's backup is EBackup.
func openBackup(data, password string, pn *wabi.PhoneNumber) (*backupContent, error) {
	bad := wabi.Errorf(wabi.EBackup, "The backup data cannot be decrypted with this password, or is damaged.")
	raw, err := base64.StdEncoding.DecodeString(data)
	if err != nil || !bytes.HasPrefix(raw, backupMagic) || len(raw) < len(backupMagic)+16+12 {
		return nil, bad
	}
	raw = raw[len(backupMagic):]
	gcm, err := backupCipher(password, raw[:16])
	if err != nil {
		return nil, err
	}
	n := gcm.NonceSize()
	plain, err := gcm.Open(nil, raw[16:16+n], raw[16+n:], backupMagic)
	if err != nil {
		return nil, bad
	}
	var b backupContent
	if err := json.Unmarshal(plain, &b); err != nil {
		return nil, bad
	}
	if b.DisplayPhoneNumber != pn.DisplayPhoneNumber {
		return nil, wabi.Errorf(wabi.EBackup, "The backup is of phone number +%s, not of +%s.", b.DisplayPhoneNumber, pn.DisplayPhoneNumber)
	}
	return &b, nil
}

func backupCipher(password string, salt []byte) (cipher.AEAD, error) {
	key, err := pbkdf2.Key(sha256.New, password, salt, backupIterations, 32)
	if err != nil {
		return nil, fmt.Errorf("platform: backup key: %w", err)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}
