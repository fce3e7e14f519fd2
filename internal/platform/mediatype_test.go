package platform

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/wabihq/wabi/internal/wabi"
)

// mustMediaEncode encodes a small image with enc, as a sender's file.
func mustMediaEncode(t *testing.T, enc func(*bytes.Buffer, image.Image) error, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func mediaPNG(b *bytes.Buffer, m image.Image) error  { return png.Encode(b, m) }
func mediaJPEG(b *bytes.Buffer, m image.Image) error { return jpeg.Encode(b, m, nil) }
func mediaGIF(b *bytes.Buffer, m image.Image) error  { return gif.Encode(b, m, nil) }

// mediaRIFF wraps chunks (id, then data) in a RIFF/WEBP container.
func mediaRIFF(chunks ...string) []byte {
	var body bytes.Buffer
	body.WriteString("WEBP")
	for i := 0; i+1 < len(chunks); i += 2 {
		body.WriteString(chunks[i])
		binary.Write(&body, binary.LittleEndian, uint32(len(chunks[i+1])))
		body.WriteString(chunks[i+1])
		if len(chunks[i+1])%2 == 1 {
			body.WriteByte(0)
		}
	}
	var out bytes.Buffer
	out.WriteString("RIFF")
	binary.Write(&out, binary.LittleEndian, uint32(body.Len()))
	out.Write(body.Bytes())
	return out.Bytes()
}

// mediaVP8L is a lossless WebP bitstream header of the given size.
func mediaVP8L(w, h int) string {
	var b [5]byte
	b[0] = 0x2f // signature
	binary.LittleEndian.PutUint32(b[1:], uint32(w-1)|uint32(h-1)<<14)
	return string(b[:]) + "\x00\x00\x00"
}

// mediaVP8X is an extended WebP header: flags, then the canvas size.
func mediaVP8X(flags byte, w, h int) string {
	b := []byte{flags, 0, 0, 0,
		byte(w - 1), byte((w - 1) >> 8), byte((w - 1) >> 16),
		byte(h - 1), byte((h - 1) >> 8), byte((h - 1) >> 16)}
	return string(b)
}

// mediaOgg is an Ogg page carrying one packet, as a stream's first page does.
func mediaOgg(packet string) []byte {
	var b bytes.Buffer
	b.WriteString("OggS\x00\x02")  // version, beginning of stream
	b.Write(make([]byte, 8+4+4+4)) // granule, serial, sequence, checksum
	b.WriteByte(1)                 // one segment
	b.WriteByte(byte(len(packet)))
	b.WriteString(packet)
	return b.Bytes()
}

// mediaOpusHead is an OPUS identification header for a number of channels.
func mediaOpusHead(channels byte) string {
	return "OpusHead\x01" + string(channels) + "\x38\x01\x80\xbb\x00\x00\x00\x00\x00"
}

// mediaFtyp is an ISO media file's opening ftyp box with a major brand.
func mediaFtyp(brand string) []byte {
	b := []byte("\x00\x00\x00\x18ftyp" + brand + "\x00\x00\x02\x00isommp41")
	return append(b, "\x00\x00\x00\x08free"...)
}

// mustMediaZip is a zip of the named entries, in order.
func mustMediaZip(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := zip.NewWriter(&b)
	for _, n := range names {
		w, err := z.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte("<x/>")); err != nil {
			t.Fatal(err)
		}
	}
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// mediaOLE is an OLE compound file header with nothing that says what it holds.
func mediaOLE() []byte {
	b := make([]byte, 1024)
	copy(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")
	return b
}

// mediaBinary is bytes no sniffer recognises.
func mediaBinary() []byte {
	b := make([]byte, 64)
	for i := range b {
		b[i] = byte(i*37 + 3)
	}
	b[0], b[1] = 0x01, 0x02
	return b
}

func TestInspectMedia(t *testing.T) {
	rgba := image.NewNRGBA(image.Rect(0, 0, 4, 3))
	rgba.Set(1, 1, color.NRGBA{R: 200, A: 128})
	pngRGBA := mustMediaEncode(t, mediaPNG, rgba)
	pngGray := mustMediaEncode(t, mediaPNG, image.NewGray(image.Rect(0, 0, 2, 2)))
	pngPal := mustMediaEncode(t, mediaPNG, image.NewPaletted(image.Rect(0, 0, 2, 2), palette.Plan9))
	pngPal1 := mustMediaEncode(t, mediaPNG, image.NewPaletted(image.Rect(0, 0, 2, 2), color.Palette{color.Black, color.White}))
	png16 := mustMediaEncode(t, mediaPNG, image.NewNRGBA64(image.Rect(0, 0, 2, 2)))
	jpg := mustMediaEncode(t, mediaJPEG, image.NewRGBA(image.Rect(0, 0, 8, 6)))
	gifImg := mustMediaEncode(t, mediaGIF, image.NewPaletted(image.Rect(0, 0, 2, 2), palette.Plan9))
	docx := mustMediaZip(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml")
	text := []byte("Invoice 7731\nTotal: 12.00 EUR\n")

	tests := []struct {
		name     string
		head     []byte
		declared string
		want     MediaInfo
		wantErr  string // a part of the error message; "" for success
	}{
		{"8-bit RGBA PNG", pngRGBA, "image/png", MediaInfo{MimeType: "image/png", Kind: MediaImage, Width: 4, Height: 3}, ""},
		{"PNG declared JPEG is a PNG", pngRGBA, "image/jpeg", MediaInfo{MimeType: "image/png", Kind: MediaImage, Width: 4, Height: 3}, ""},
		{"PNG declared nothing", pngRGBA, "", MediaInfo{MimeType: "image/png", Kind: MediaImage, Width: 4, Height: 3}, ""},
		{"8-bit grayscale PNG is accepted", pngGray, "", MediaInfo{MimeType: "image/png", Kind: MediaImage, Width: 2, Height: 2}, ""},
		{"8-bit palette PNG is accepted", pngPal, "", MediaInfo{MimeType: "image/png", Kind: MediaImage, Width: 2, Height: 2}, ""},
		{"1-bit palette PNG is refused", pngPal1, "", MediaInfo{}, "PNG images must be 8-bit; this one is 1-bit."},
		{"16-bit PNG is refused", png16, "image/png", MediaInfo{}, "PNG images must be 8-bit; this one is 16-bit."},
		{"JPEG", jpg, "image/jpg", MediaInfo{MimeType: "image/jpeg", Kind: MediaImage, Width: 8, Height: 6}, ""},
		{"GIF is refused", gifImg, "image/gif", MediaInfo{},
			"Media type image/gif is not supported. Images must be image/jpeg or image/png."},
		{"GIF declared PNG is still a GIF", gifImg, "image/png", MediaInfo{}, "Media type image/gif is not supported."},

		{"static lossless sticker", mediaRIFF("VP8L", mediaVP8L(512, 512)), "image/webp",
			MediaInfo{MimeType: "image/webp", Kind: MediaSticker, Width: 512, Height: 512}, ""},
		{"static extended sticker", mediaRIFF("VP8X", mediaVP8X(0x10, 512, 512), "VP8L", mediaVP8L(512, 512)), "",
			MediaInfo{MimeType: "image/webp", Kind: MediaSticker, Width: 512, Height: 512}, ""},
		{"animated sticker", mediaRIFF("VP8X", mediaVP8X(0x12, 512, 512), "ANIM", "\x00\x00\x00\x00\x00\x00"), "image/webp",
			MediaInfo{MimeType: "image/webp", Kind: MediaSticker, Animated: true, Width: 512, Height: 512}, ""},
		{"ANIM chunk without the flag is animated", mediaRIFF("VP8X", mediaVP8X(0, 512, 512), "ANIM", "\x00\x00\x00\x00\x00\x00"), "",
			MediaInfo{MimeType: "image/webp", Kind: MediaSticker, Animated: true, Width: 512, Height: 512}, ""},
		{"sticker of the wrong size", mediaRIFF("VP8L", mediaVP8L(300, 512)), "image/webp", MediaInfo{},
			"Stickers must be 512x512 pixels; this one is 300x512."},
		{"animated sticker of the wrong size", mediaRIFF("VP8X", mediaVP8X(0x02, 1024, 512)), "", MediaInfo{},
			"Stickers must be 512x512 pixels; this one is 1024x512."},
		{"WebP with an unknown first chunk", mediaRIFF("JUNK", "abcd"), "image/webp", MediaInfo{}, "not a valid WebP image"},

		{"mono OPUS in Ogg", mediaOgg(mediaOpusHead(1)), "audio/ogg; codecs=opus", MediaInfo{MimeType: "audio/ogg", Kind: MediaAudio}, ""},
		{"stereo OPUS in Ogg", mediaOgg(mediaOpusHead(2)), "audio/ogg", MediaInfo{}, "OGG audio must be mono; this one has 2 channels."},
		{"Vorbis in Ogg", mediaOgg("\x01vorbis\x00\x00\x00\x00\x01\x44\xac\x00\x00\x00\x00\x00\x00\x80\xb5\x01\x00\x00\x00\x00\x00\xb8\x01"),
			"audio/ogg", MediaInfo{}, "OGG audio must use the OPUS codec."},
		{"Ogg of unknown codec", mediaOgg("something else entirely"), "", MediaInfo{}, "OGG audio must use the OPUS codec."},
		{"MP3 with an ID3 tag", append([]byte("ID3\x04\x00\x00\x00\x00\x00\x10"), make([]byte, 32)...), "",
			MediaInfo{MimeType: "audio/mpeg", Kind: MediaAudio}, ""},
		{"MP3 frame declared audio/mp3", append([]byte("\xFF\xFB\x90\x64"), make([]byte, 64)...), "audio/mp3",
			MediaInfo{MimeType: "audio/mpeg", Kind: MediaAudio}, ""},
		{"AAC ADTS", append([]byte("\xFF\xF1\x50\x80\x02\x1F\xFC"), make([]byte, 32)...), "",
			MediaInfo{MimeType: "audio/aac", Kind: MediaAudio}, ""},
		{"AMR", []byte("#!AMR\n\x3c\x48\xf5\x1f\x96\x66\x78\x00"), "", MediaInfo{MimeType: "audio/amr", Kind: MediaAudio}, ""},
		{"M4A", mediaFtyp("M4A "), "", MediaInfo{MimeType: "audio/mp4", Kind: MediaAudio}, ""},
		{"generic MP4 declared audio/mp4", mediaFtyp("isom"), "audio/mp4", MediaInfo{MimeType: "audio/mp4", Kind: MediaAudio}, ""},
		{"WAV is refused", mediaRIFFWave(), "audio/wav", MediaInfo{}, "Audio must be audio/aac, audio/amr"},

		{"MP4", mediaFtyp("isom"), "video/mp4", MediaInfo{MimeType: "video/mp4", Kind: MediaVideo}, ""},
		{"3GP", mediaFtyp("3gp4"), "", MediaInfo{MimeType: "video/3gpp", Kind: MediaVideo}, ""},
		{"QuickTime is refused", mediaFtyp("qt  "), "video/mp4", MediaInfo{},
			"Media type video/quicktime is not supported. Videos must be video/mp4 or video/3gpp."},
		{"bare moov box declared MP4", []byte("\x00\x00\x00\x10moov\x00\x00\x00\x08mvhd"), "video/mp4",
			MediaInfo{MimeType: "video/mp4", Kind: MediaVideo}, ""},

		{"PDF", []byte("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"), "", MediaInfo{MimeType: "application/pdf", Kind: MediaDocument}, ""},
		{"plain text", text, "text/plain; charset=utf-8", MediaInfo{MimeType: "text/plain", Kind: MediaDocument}, ""},
		{"HTML is a text document", []byte("<!DOCTYPE html><html><body>hi</body></html>"), "text/html",
			MediaInfo{MimeType: "text/plain", Kind: MediaDocument}, ""},
		{"text declared msword (RTF saved as .doc)", []byte("{\\rtf1\\ansi hello}"), "application/msword",
			MediaInfo{MimeType: "application/msword", Kind: MediaDocument}, ""},
		{"text declared an image is text", text, "image/jpeg", MediaInfo{MimeType: "text/plain", Kind: MediaDocument}, ""},
		{"docx", docx, "", MediaInfo{MimeType: mediaDocx, Kind: MediaDocument}, ""},
		{"docx declared pdf is a docx", docx, "application/pdf", MediaInfo{MimeType: mediaDocx, Kind: MediaDocument}, ""},
		{"zip declared xlsx", mustMediaZip(t, "a.txt"), mediaXlsx, MediaInfo{MimeType: mediaXlsx, Kind: MediaDocument}, ""},
		{"plain zip is refused", mustMediaZip(t, "a.txt"), "application/zip", MediaInfo{},
			"Media type application/zip is not supported. Documents must be text/plain, application/pdf"},
		{"OLE declared xls", mediaOLE(), "application/vnd.ms-excel", MediaInfo{MimeType: "application/vnd.ms-excel", Kind: MediaDocument}, ""},
		{"OLE declared ppt alias", mediaOLE(), "application/mspowerpoint",
			MediaInfo{MimeType: "application/vnd.ms-powerpoint", Kind: MediaDocument}, ""},
		{"OLE declared nothing is a Word file", mediaOLE(), "", MediaInfo{MimeType: "application/msword", Kind: MediaDocument}, ""},

		{"unknown bytes declared AAC", mediaBinary(), "audio/aac", MediaInfo{MimeType: "audio/aac", Kind: MediaAudio}, ""},
		{"unknown bytes declared 3GPP", mediaBinary(), "video/3gpp", MediaInfo{MimeType: "video/3gpp", Kind: MediaVideo}, ""},
		{"unknown bytes declared PDF", mediaBinary(), "application/pdf", MediaInfo{MimeType: "application/pdf", Kind: MediaDocument}, ""},
		{"unknown bytes declared PNG", mediaBinary(), "image/png", MediaInfo{}, "declared as image/png but its content is not"},
		{"unknown bytes declared Ogg", mediaBinary(), "audio/ogg", MediaInfo{}, "declared as audio/ogg but its content is not"},
		{"unknown bytes declared GIF", mediaBinary(), "image/gif", MediaInfo{}, "Media type image/gif is not supported."},
		{"unknown bytes declared nothing", mediaBinary(), "", MediaInfo{}, "could not be recognised"},
		{"unknown bytes declared garbage", mediaBinary(), "not a type", MediaInfo{}, "is not supported"},
		{"empty file", nil, "text/plain", MediaInfo{}, "The media file is empty."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := InspectMedia(tt.head, int64(len(tt.head)), tt.declared)
			mediaCheckErr(t, err, tt.wantErr)
			if got != tt.want {
				t.Errorf("InspectMedia = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// mediaRIFFWave is the start of a WAV file.
func mediaRIFFWave() []byte {
	return []byte("RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x44\xac\x00\x00\x88\x58\x01\x00\x02\x00\x10\x00")
}

// mediaCheckErr fails unless err is nil when want is "", or an EMediaUpload
// *wabi.Error whose message contains want.
func mediaCheckErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("error = %v, want none", err)
		}
		return
	}
	e := wabi.AsError(err)
	if e == nil {
		t.Fatalf("error = %v, want a *wabi.Error containing %q", err, want)
	}
	if e.Code != wabi.EMediaUpload || !strings.Contains(e.Message, want) {
		t.Fatalf("error = %s %q, want %s containing %q", e.Code, e.Message, wabi.EMediaUpload, want)
	}
}

func TestInspectMediaSizeLimits(t *testing.T) {
	jpg := mustMediaEncode(t, mediaJPEG, image.NewRGBA(image.Rect(0, 0, 2, 2)))
	pngImg := mustMediaEncode(t, mediaPNG, image.NewNRGBA(image.Rect(0, 0, 2, 2)))
	static := mediaRIFF("VP8L", mediaVP8L(512, 512))
	animated := mediaRIFF("VP8X", mediaVP8X(0x02, 512, 512), "ANIM", "\x00\x00\x00\x00\x00\x00")
	tests := []struct {
		name string
		head []byte
		max  int64
		want string // the error at max+1
	}{
		{"JPEG", jpg, 5 << 20, "image/jpeg files are limited to 5 MB; this one is 5242881 bytes."},
		{"PNG", pngImg, 5 << 20, "image/png files are limited to 5 MB; this one is 5242881 bytes."},
		{"static sticker", static, 100 << 10, "Static image/webp stickers are limited to 100 KB; this one is 102401 bytes."},
		{"animated sticker", animated, 500 << 10, "Animated image/webp stickers are limited to 500 KB; this one is 512001 bytes."},
		{"OPUS", mediaOgg(mediaOpusHead(1)), 16 << 20, "audio/ogg files are limited to 16 MB; this one is 16777217 bytes."},
		{"AMR", []byte("#!AMR\n\x3c\x48\xf5\x1f"), 16 << 20, "audio/amr files are limited to 16 MB"},
		{"MP4", mediaFtyp("isom"), 16 << 20, "video/mp4 files are limited to 16 MB; this one is 16777217 bytes."},
		{"3GP", mediaFtyp("3gp5"), 16 << 20, "video/3gpp files are limited to 16 MB"},
		{"PDF", []byte("%PDF-1.7\n"), MediaMaxSize, "application/pdf files are limited to 100 MB; this one is 104857601 bytes."},
		{"text", []byte("hello\n"), MediaMaxSize, "text/plain files are limited to 100 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := InspectMedia(tt.head, tt.max, ""); err != nil {
				t.Errorf("at the limit (%d bytes): %v", tt.max, err)
			}
			_, err := InspectMedia(tt.head, tt.max+1, "")
			mediaCheckErr(t, err, tt.want)
		})
	}
	t.Run("6 MB PNG", func(t *testing.T) {
		_, err := InspectMedia(pngImg, 6291456, "image/png")
		mediaCheckErr(t, err, "image/png files are limited to 5 MB; this one is 6291456 bytes.")
	})
	t.Run("only the head is sniffed", func(t *testing.T) {
		long := append(bytes.Repeat([]byte("plain words "), MediaHeadSize), 0, 1, 2)
		got, err := InspectMedia(long, int64(len(long)), "")
		if err != nil || got.MimeType != "text/plain" {
			t.Errorf("InspectMedia = %+v, %v; want text/plain from the first %d bytes", got, err, MediaHeadSize)
		}
	})
}

func TestMediaFits(t *testing.T) {
	tests := []struct {
		typ     wabi.Type
		mime    string
		wantErr string
	}{
		{wabi.TypeImage, "image/jpeg", ""},
		{wabi.TypeImage, "image/png", ""},
		{wabi.TypeImage, "image/jpg", ""},
		{wabi.TypeImage, "image/webp", "Media type image/webp cannot be sent as an image. Images must be image/jpeg or image/png."},
		{wabi.TypeImage, "video/mp4", "cannot be sent as an image"},
		{wabi.TypeImage, "application/pdf", "cannot be sent as an image"},
		{wabi.TypeImage, "image/gif", "Media type image/gif is not supported. Images must be image/jpeg or image/png."},
		{wabi.TypeSticker, "image/webp", ""},
		{wabi.TypeSticker, "image/png", "Media type image/png cannot be sent as a sticker. Stickers must be image/webp."},
		{wabi.TypeAudio, "audio/aac", ""},
		{wabi.TypeAudio, "audio/amr", ""},
		{wabi.TypeAudio, "audio/mpeg", ""},
		{wabi.TypeAudio, "audio/mp4", ""},
		{wabi.TypeAudio, "audio/x-m4a", ""},
		{wabi.TypeAudio, "audio/ogg; codecs=opus", ""},
		{wabi.TypeAudio, "video/mp4", "Media type video/mp4 cannot be sent as audio. Audio must be"},
		{wabi.TypeAudio, "text/plain", "cannot be sent as audio"},
		{wabi.TypeAudio, "audio/wav", "Media type audio/wav is not supported. Audio must be"},
		{wabi.TypeVideo, "video/mp4", ""},
		{wabi.TypeVideo, "video/3gpp", ""},
		{wabi.TypeVideo, "audio/mp4", "Media type audio/mp4 cannot be sent as a video. Videos must be video/mp4 or video/3gpp."},
		{wabi.TypeVideo, "image/jpeg", "cannot be sent as a video"},
		{wabi.TypeVideo, "video/quicktime", "Media type video/quicktime is not supported."},
		{wabi.TypeDocument, "application/pdf", ""},
		{wabi.TypeDocument, "text/plain; charset=utf-8", ""},
		{wabi.TypeDocument, mediaDocx, ""},
		{wabi.TypeDocument, "application/vnd.ms-excel", ""},
		{wabi.TypeDocument, "image/jpeg", ""},
		{wabi.TypeDocument, "image/webp", ""},
		{wabi.TypeDocument, "audio/ogg", ""},
		{wabi.TypeDocument, "video/3gpp", ""},
		{wabi.TypeDocument, "application/zip", "Media type application/zip is not supported. Documents must be"},
		{wabi.TypeDocument, "", "is not supported"},
		{wabi.TypeText, "image/jpeg", "Messages of type text carry no media."},
	}
	for _, tt := range tests {
		t.Run(string(tt.typ)+" "+tt.mime, func(t *testing.T) {
			mediaCheckErr(t, MediaFits(tt.typ, tt.mime), tt.wantErr)
		})
	}
}
