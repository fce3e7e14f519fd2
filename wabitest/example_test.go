package wabitest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/wabihq/wabi/wabitest"
)

// echoBot is the bot under test: a webhook handler that answers every text
// a customer writes with an echo, through the Cloud API.
type echoBot struct {
	api, phoneNumberID, token string
}

func (b *echoBot) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var hook struct {
		Entry []struct {
			Changes []struct {
				Value struct {
					Messages []struct {
						From string
						Type string
						Text struct{ Body string }
					}
				}
			}
		}
	}
	if err := json.NewDecoder(r.Body).Decode(&hook); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	for _, e := range hook.Entry {
		for _, c := range e.Changes {
			for _, m := range c.Value.Messages {
				if m.Type == "text" {
					if err := b.reply(r.Context(), m.From, "echo: "+m.Text.Body); err != nil {
						http.Error(w, err.Error(), http.StatusInternalServerError)
						return
					}
				}
			}
		}
	}
}

// reply sends text to a customer.
func (b *echoBot) reply(ctx context.Context, to, text string) error {
	body, _ := json.Marshal(map[string]any{
		"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]string{"body": text},
	})
	req, err := http.NewRequestWithContext(ctx, "POST", b.api+"/"+b.phoneNumberID+"/messages", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+b.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("send: %s", resp.Status)
	}
	return nil
}

// A bot answers a customer: the customer's phone writes, wabi posts the
// webhook to the bot, the bot answers through the Cloud API, and the answer
// reaches the phone, which reads it. In a test, wabitest.Start(t) takes the
// place of New and Close.
func Example() {
	srv, err := wabitest.New()
	if err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
	srv.Webhooks().Handle(&echoBot{api: srv.CloudAPI, phoneNumberID: srv.PhoneNumberID, token: srv.Token})

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	phone := srv.Phone(srv.Customer)
	if _, err := phone.Send(ctx, "hello"); err != nil {
		log.Fatal(err)
	}
	answer, err := phone.WaitFor(ctx, func(m wabitest.Message) bool {
		return m.Direction == "outbound" && m.Status == "read"
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(answer.Text, "-", answer.Status)
	// Output: echo: hello - read
}
