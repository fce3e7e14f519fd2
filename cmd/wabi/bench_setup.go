package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"mime/multipart"
	"net/http"
	"strings"
	"sync"
)

// benchWorld is what a run sends from and to: its numbers with their
// credentials, its recipients, and what the mix needs.
type benchWorld struct {
	wabaID    string
	namespace string // the WABA's template namespace (On-Premises templates)
	appID     string
	secret    string
	targets   []*benchTarget
	phones    []string
	template  string // the template's name, "" when the mix has none
}

// benchTarget is one sending number.
type benchTarget struct {
	id    string
	send  string // the URL messages are POSTed to
	auth  string // its Authorization header
	media string // the image's media id, when the mix has images
	base  string // On-Premises: the deployment's /v1 base URL
}

const (
	benchTemplate       = "wabi_bench_order"
	benchOnPremPassword = "Wabi-Bench-1!"
	receiverVerifyToken = "wabi-bench"
)

// benchPNG is a 1×1 PNG, the image the mix's image messages carry.
var benchPNG, _ = base64.StdEncoding.DecodeString("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==")

// setup reads the demo for what was not given, creates the numbers and phones
// of the run, lifts limits, opens windows and prepares the mix. What it changes
// on the server is put back by the functions it appends to cleanup.
func (c *benchConfig) setup(ctx context.Context, client *http.Client, mix benchMix, stderr io.Writer, cleanup *[]func()) (*benchWorld, error) {
	var info struct {
		PhoneNumber  struct{ ID string }    `json:"phone_number"`
		Token        struct{ Token string } `json:"token"`
		App          struct{ ID string }    `json:"app"`
		VirtualPhone *struct {
			WaID string `json:"wa_id"`
		} `json:"virtual_phone"`
	}
	if err := c.control(ctx, client, "GET", "/api/info", nil, &info); err != nil {
		return nil, fmt.Errorf("read the demo from %s/api/info: %w", c.URL, err)
	}
	c.Token = cmpOr(c.Token, info.Token.Token)
	c.PhoneID = cmpOr(c.PhoneID, info.PhoneNumber.ID)
	if c.To == "" && info.VirtualPhone != nil {
		c.To = info.VirtualPhone.WaID
	}
	c.AppID = cmpOr(c.AppID, info.App.ID)
	if c.PhoneID == "" || (c.To == "" && c.Phones == 0) || (c.Token == "" && c.Dialect == "cloud") {
		return nil, errors.New("no token, phone number or recipient: pass -token, -phone-number-id and -to")
	}
	w := &benchWorld{appID: c.AppID}
	var pn struct {
		WabaID string `json:"waba_id"`
	}
	if err := c.control(ctx, client, "GET", "/api/phone_numbers/"+c.PhoneID, nil, &pn); err != nil {
		return nil, fmt.Errorf("read the number: %w", err)
	}
	w.wabaID = pn.WabaID
	var waba struct {
		Namespace string `json:"message_template_namespace"`
	}
	if err := c.control(ctx, client, "GET", "/api/wabas/"+w.wabaID, nil, &waba); err != nil {
		return nil, fmt.Errorf("read the WABA: %w", err)
	}
	w.namespace = waba.Namespace
	if c.Webhooks && c.WebhookURL == "" && c.Dialect == "cloud" && c.AppID != "" {
		var app struct{ Secret string }
		if err := c.control(ctx, client, "GET", "/api/apps/"+c.AppID, nil, &app); err != nil {
			return nil, fmt.Errorf("read the app (or pass -app-id, or -webhooks=false): %w", err)
		}
		w.secret = app.Secret
	}

	numbers := c.Numbers
	if c.Dialect == "onprem" {
		numbers = max(numbers, 1)
	}
	if numbers == 0 {
		w.targets = []*benchTarget{{id: c.PhoneID, send: c.URL + "/v23.0/" + c.PhoneID + "/messages", auth: "Bearer " + c.Token}}
	} else {
		w.targets = make([]*benchTarget, numbers)
		if err := parallel(numbers, func(i int) error {
			t, err := c.createNumber(ctx, client, w.wabaID, i)
			w.targets[i] = t
			return err
		}); err != nil {
			return nil, err
		}
	}
	if c.Phones == 0 {
		w.phones = []string{c.To}
	} else {
		w.phones = make([]string, c.Phones)
		if err := parallel(c.Phones, func(i int) error {
			var err error
			w.phones[i], err = c.createPhone(ctx, client, i)
			return err
		}); err != nil {
			return nil, err
		}
	}
	if c.LiftLimits {
		for _, t := range w.targets {
			restore, err := c.liftLimits(ctx, client, t.id, stderr)
			if err != nil {
				return nil, err
			}
			*cleanup = append(*cleanup, restore)
		}
	}
	if c.OpenWindow && (mix.has("text") || mix.has("image")) {
		pairs := len(w.targets) * len(w.phones)
		if err := parallel(pairs, func(i int) error {
			body := map[string]any{"to": w.targets[i%len(w.targets)].id, "type": "text", "text": map[string]string{"body": "hi (wabi bench)"}}
			return c.control(ctx, client, "POST", "/api/phones/"+w.phones[i/len(w.targets)]+"/messages", body, nil)
		}); err != nil {
			return nil, fmt.Errorf("open the customer service window (or pass -open-window=false): %w", err)
		}
	}
	if mix.has("template") {
		w.template = benchTemplate
		tpl := map[string]any{"waba_id": w.wabaID, "name": benchTemplate, "language": "en_US", "category": "UTILITY",
			"components": []any{map[string]any{"type": "BODY", "text": "Your order {{1}} has shipped."}}}
		if err := c.control(ctx, client, "POST", "/api/templates", tpl, nil); err != nil && !strings.Contains(err.Error(), " 409 ") {
			return nil, fmt.Errorf("create the template %s: %w", benchTemplate, err)
		}
	}
	if mix.has("image") {
		for _, t := range w.targets {
			id, err := c.uploadImage(ctx, client, t)
			if err != nil {
				return nil, fmt.Errorf("upload the image: %w", err)
			}
			t.media = id
		}
	}
	return w, nil
}

// parallel calls f for 0..n-1 on a few goroutines and returns the first error.
func parallel(n int, f func(i int) error) error {
	var (
		mu   sync.Mutex
		next int
		err  error
		wg   sync.WaitGroup
	)
	for range min(n, 8) {
		wg.Go(func() {
			for {
				mu.Lock()
				i := next
				next++
				stop := i >= n || err != nil
				mu.Unlock()
				if stop {
					return
				}
				if e := f(i); e != nil {
					mu.Lock()
					err = cmpOrErr(err, e)
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	return err
}

func cmpOrErr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// createNumber creates the run's i-th business number in the WABA, of the
// run's dialect; an On-Premises one is logged in to. A number that is taken
// is tried again under another random prefix.
func (c *benchConfig) createNumber(ctx context.Context, client *http.Client, wabaID string, i int) (*benchTarget, error) {
	platform := map[string]string{"cloud": "CLOUD_API", "onprem": "ON_PREMISE"}[c.Dialect]
	var n struct{ ID string }
	var err error
	for range 5 {
		body := map[string]any{"waba_id": wabaID, "phone_number": fmt.Sprintf("+1 559 %03d %04d", rand.IntN(1000), i%10000),
			"verified_name": fmt.Sprintf("wabi bench %d", i+1), "platform_type": platform}
		if err = c.control(ctx, client, "POST", "/api/phone_numbers", body, &n); err == nil || !strings.Contains(err.Error(), " 409 ") {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("create a number: %w", err)
	}
	t := &benchTarget{id: n.ID}
	if c.Dialect == "cloud" {
		t.send, t.auth = c.URL+"/v23.0/"+n.ID+"/messages", "Bearer "+c.Token
		return t, nil
	}
	t.base = c.URL + "/onprem/" + n.ID + "/v1"
	t.send = t.base + "/messages"
	req, _ := http.NewRequestWithContext(ctx, "POST", t.base+"/users/login", strings.NewReader(`{"new_password":"`+benchOnPremPassword+`"}`))
	req.SetBasicAuth("admin", "secret")
	req.Header.Set("Content-Type", "application/json")
	var login struct {
		Users []struct{ Token string } `json:"users"`
	}
	if err := benchDo(client, req, &login); err != nil || len(login.Users) == 0 {
		return nil, fmt.Errorf("log in to the deployment %s: %v", n.ID, err)
	}
	t.auth = "Bearer " + login.Users[0].Token
	return t, nil
}

// createPhone creates the run's i-th virtual phone, with the defaults: online,
// no delays, reading what it gets, so each message goes sent, delivered, read.
func (c *benchConfig) createPhone(ctx context.Context, client *http.Client, i int) (string, error) {
	var err error
	for range 5 {
		waID := fmt.Sprintf("4479%03d%05d", rand.IntN(1000), i%100000)
		body := map[string]any{"wa_id": waID, "profile_name": fmt.Sprintf("Bench %d", i+1)}
		if err = c.control(ctx, client, "POST", "/api/phones", body, nil); err == nil {
			return waID, nil
		} else if !strings.Contains(err.Error(), " 409 ") {
			break
		}
	}
	return "", fmt.Errorf("create a virtual phone: %w", err)
}

// uploadImage uploads benchPNG for the number through its dialect's media
// endpoint and returns the media id.
func (c *benchConfig) uploadImage(ctx context.Context, client *http.Client, t *benchTarget) (string, error) {
	var req *http.Request
	if t.base != "" {
		req, _ = http.NewRequestWithContext(ctx, "POST", t.base+"/media", bytes.NewReader(benchPNG))
		req.Header.Set("Content-Type", "image/png")
	} else {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("messaging_product", "whatsapp")
		mw.WriteField("type", "image/png")
		fw, _ := mw.CreateFormFile("file", "bench.png")
		fw.Write(benchPNG)
		mw.Close()
		req, _ = http.NewRequestWithContext(ctx, "POST", c.URL+"/v23.0/"+t.id+"/media", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
	}
	req.Header.Set("Authorization", t.auth)
	var out struct {
		ID    string                `json:"id"`
		Media []struct{ ID string } `json:"media"`
	}
	if err := benchDo(client, req, &out); err != nil {
		return "", err
	}
	if out.ID == "" && len(out.Media) > 0 {
		out.ID = out.Media[0].ID
	}
	return out.ID, nil
}

// liftLimits turns a number's limits off through the control API and returns
// what puts its override back as it was.
func (c *benchConfig) liftLimits(ctx context.Context, client *http.Client, id string, stderr io.Writer) (restore func(), err error) {
	path := "/api/phone_numbers/" + id + "/limits"
	var was struct {
		Override map[string]any `json:"override"`
	}
	if err := c.control(ctx, client, "GET", path, nil, &was); err != nil {
		return nil, fmt.Errorf("read the number's limits (or start wabi with WABI_LIMITS=off and drop -lift-limits): %w", err)
	}
	lifted := map[string]any{}
	for k, v := range was.Override {
		lifted[k] = v
	}
	lifted["enabled"] = false
	if err := c.control(ctx, client, "PUT", path, lifted, nil); err != nil {
		return nil, fmt.Errorf("lift the number's limits: %w", err)
	}
	return func() {
		ctx := context.WithoutCancel(ctx)
		var err error
		if len(was.Override) == 0 {
			err = c.control(ctx, client, "DELETE", path, nil, nil)
		} else {
			err = c.control(ctx, client, "PUT", path, was.Override, nil)
		}
		if err != nil {
			fmt.Fprintf(stderr, "wabi bench: the limits of %s stay lifted: %v\n", id, err)
		}
	}, nil
}

// subscribe sends the run's webhooks to url: for the Cloud API, the app's
// subscription to the WABA gets url as its override (put back as it was
// after the run); for On-Premises, each deployment of the run gets it as its
// webhooks URL, with sent statuses on (the client's default is off).
func (c *benchConfig) subscribe(ctx context.Context, client *http.Client, w *benchWorld, url, verifyToken string, stderr io.Writer, cleanup *[]func()) error {
	if c.Dialect == "onprem" {
		for _, t := range w.targets {
			req, _ := http.NewRequestWithContext(ctx, "PATCH", t.base+"/settings/application", strings.NewReader(`{"webhooks":{"url":"`+url+`"},"sent_status":true}`))
			req.Header.Set("Authorization", t.auth)
			req.Header.Set("Content-Type", "application/json")
			if err := benchDo(client, req, nil); err != nil {
				return fmt.Errorf("set the deployment's webhook URL: %w", err)
			}
		}
		return nil
	}
	path := "/api/wabas/" + w.wabaID + "/subscribed_apps"
	var subs struct {
		Data []struct {
			App         struct{ ID string } `json:"app"`
			Override    string              `json:"override_callback_uri"`
			VerifyToken string              `json:"verify_token"`
		} `json:"data"`
	}
	if err := c.control(ctx, client, "GET", path, nil, &subs); err != nil {
		return fmt.Errorf("read the WABA's subscribed apps: %w", err)
	}
	var was map[string]any
	for _, s := range subs.Data {
		if s.App.ID == w.appID {
			was = map[string]any{"app_id": w.appID}
			if s.Override != "" {
				was["override_callback_uri"], was["verify_token"] = s.Override, s.VerifyToken
			}
		}
	}
	body := map[string]any{"app_id": w.appID, "override_callback_uri": url, "verify_token": verifyToken}
	if err := c.control(ctx, client, "POST", path, body, nil); err != nil {
		return fmt.Errorf("subscribe the receiver (or pass -app-id, or -webhooks=false): %w", err)
	}
	*cleanup = append(*cleanup, func() {
		ctx := context.WithoutCancel(ctx)
		var err error
		if was == nil {
			err = c.control(ctx, client, "DELETE", path+"?app_id="+w.appID, nil, nil)
		} else {
			err = c.control(ctx, client, "POST", path, was, nil)
		}
		if err != nil {
			fmt.Fprintf(stderr, "wabi bench: the app's subscription keeps the run's webhook URL: %v\n", err)
		}
	})
	return nil
}
