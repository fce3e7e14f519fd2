package platform

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image/jpeg"
	"mime"
	"strings"

	"github.com/gabriel-vasile/mimetype"
	"golang.org/x/image/webp"

	"github.com/wabihq/wabi/internal/wabi"
)

// MediaKind is the kind of media a message type carries: image, audio, video,
// document, sticker. Its values are the names of the message types, so
// wabi.Type(kind) is the message type that carries the kind natively.
type MediaKind string

// The kinds of media.
const (
	MediaImage    MediaKind = "image"
	MediaAudio    MediaKind = "audio"
	MediaVideo    MediaKind = "video"
	MediaDocument MediaKind = "document"
	MediaSticker  MediaKind = "sticker"
)

// MediaMaxSize is the largest file WhatsApp takes of any kind (100 MB), for
// upload limits before sniffing.
const MediaMaxSize = 100 << 20

// MediaHeadSize is how many leading bytes of a file InspectMedia looks at; more
// are ignored. Office zips (docx, xlsx, pptx) are only recognised when their
// telling entry lies within these bytes.
const MediaHeadSize = 4096

// MediaInfo is what wabi learned about a file's content.
type MediaInfo struct {
	// MimeType is canonical, without parameters: "image/jpeg", "audio/ogg", "text/plain".
	MimeType string
	Kind     MediaKind
	// Animated is set for animated WebP.
	Animated bool
	// Width and Height are set for images and stickers when the head shows them.
	Width, Height int
}

// The per-kind limits of §4.4. KB and MB are binary, as Meta's are.
const (
	mediaImageMax    = 5 << 20
	mediaAudioMax    = 16 << 20
	mediaVideoMax    = 16 << 20
	mediaStaticMax   = 100 << 10
	mediaAnimatedMax = 500 << 10
	mediaStickerSide = 512
)

// The supported types of each kind, as error messages list them.
const (
	mediaImageTypes    = "Images must be image/jpeg or image/png."
	mediaAudioTypes    = "Audio must be audio/aac, audio/amr, audio/mpeg, audio/mp4 or audio/ogg (OPUS codec)."
	mediaVideoTypes    = "Videos must be video/mp4 or video/3gpp."
	mediaStickerTypes  = "Stickers must be image/webp."
	mediaDocumentTypes = "Documents must be text/plain, application/pdf, application/msword, application/vnd.ms-excel, " +
		"application/vnd.ms-powerpoint, " + mediaDocx + ", " + mediaXlsx + " or " + mediaPptx + "."
)

// The Office Open XML types, which sniff as zips.
const (
	mediaDocx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	mediaXlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	mediaPptx = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
)

// mediaKindOf returns the kind and size limit of a supported canonical type. The
// sticker limit is the animated one; InspectMedia applies the static one itself.
func mediaKindOf(mt string) (MediaKind, int64, bool) {
	switch mt {
	case "image/jpeg", "image/png":
		return MediaImage, mediaImageMax, true
	case "image/webp":
		return MediaSticker, mediaAnimatedMax, true
	case "audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg":
		return MediaAudio, mediaAudioMax, true
	case "video/mp4", "video/3gpp":
		return MediaVideo, mediaVideoMax, true
	case "text/plain", "application/pdf", "application/msword", "application/vnd.ms-excel",
		"application/vnd.ms-powerpoint", mediaDocx, mediaXlsx, mediaPptx:
		return MediaDocument, MediaMaxSize, true
	}
	return "", 0, false
}

// mediaCanonical strips parameters and case from a MIME type and maps the aliases
// senders and the sniffer use to the one name WhatsApp knows.
func mediaCanonical(s string) string {
	mt, _, err := mime.ParseMediaType(s)
	if err != nil {
		mt, _, _ = strings.Cut(s, ";")
		mt = strings.ToLower(strings.TrimSpace(mt))
	}
	switch mt {
	case "image/jpg", "image/pjpeg":
		return "image/jpeg"
	case "image/apng", "image/vnd.mozilla.apng":
		// An APNG is a valid PNG; WhatsApp shows its first frame.
		return "image/png"
	case "audio/x-m4a", "audio/m4a", "audio/x-mp4a":
		return "audio/mp4"
	case "audio/mp3", "audio/x-mp3", "audio/x-mpeg", "audio/mpeg3":
		return "audio/mpeg"
	case "audio/amr-nb":
		return "audio/amr"
	case "audio/x-aac", "audio/aacp":
		return "audio/aac"
	case "application/ogg", "application/x-ogg", "audio/opus":
		// An Ogg stream of unknown codec is audio as far as WhatsApp is
		// concerned; the codec check then names what is wrong with it.
		return "audio/ogg"
	case "video/3gp":
		return "video/3gpp"
	case "video/x-m4v":
		return "video/mp4"
	case "application/x-pdf":
		return "application/pdf"
	case "application/vnd.ms-word":
		return "application/msword"
	case "application/msexcel", "application/x-msexcel":
		return "application/vnd.ms-excel"
	case "application/mspowerpoint":
		return "application/vnd.ms-powerpoint"
	}
	return mt
}

// InspectMedia sniffs head (the first bytes of the file: give it MediaHeadSize
// bytes, at least 3072, or the whole file if smaller; for WebP and PNG the header
// is enough) and checks the result against WhatsApp's supported types and the
// size limit of its kind. size is the whole file's. declared is the type the
// sender claimed ("" if none; may carry parameters).
//
// The sniffed type wins when it is specific: a PNG named image/jpeg is a PNG.
// When sniffing gives nothing specific, the declared type is used if supported:
// for unrecognised bytes, for text (declared document types only, since a text
// file is no image; any other text is text/plain), for a bare OLE container (the
// declared legacy Office type, else application/msword, the commonest of them),
// for a zip declared as an Office Open XML type, for a generic MP4 declared
// audio/mp4, and for a QuickTime-looking file without an ftyp box declared as an
// MP4 or 3GPP type. Declared image, sticker and Ogg types are never taken on
// trust, since the sniffer knows their signatures.
//
// PNGs must have 8-bit samples; any colour type is accepted, grayscale and
// palette included. Stickers must be 512×512. Ogg audio must be mono OPUS.
//
// Violations return *wabi.Error with wabi.EMediaUpload and a message naming the
// type and the limit.
func InspectMedia(head []byte, size int64, declared string) (MediaInfo, error) {
	if len(head) == 0 || size == 0 {
		return MediaInfo{}, wabi.Errorf(wabi.EMediaUpload, "The media file is empty.")
	}
	if len(head) > MediaHeadSize {
		head = head[:MediaHeadSize]
	}
	mt, err := mediaResolve(mimetype.Detect(head), head, mediaCanonical(declared))
	if err != nil {
		return MediaInfo{}, err
	}
	kind, max, ok := mediaKindOf(mt)
	if !ok {
		return MediaInfo{}, mediaUnsupported(mt)
	}
	info := MediaInfo{MimeType: mt, Kind: kind}
	switch mt {
	case "image/png":
		err = mediaCheckPNG(head, &info)
	case "image/jpeg":
		// Best effort: a large EXIF block can push the frame header past the head.
		if c, err := jpeg.DecodeConfig(bytes.NewReader(head)); err == nil {
			info.Width, info.Height = c.Width, c.Height
		}
	case "image/webp":
		err = mediaCheckWebP(head, &info)
		if !info.Animated {
			max = mediaStaticMax
		}
	case "audio/ogg":
		err = mediaCheckOgg(head)
	}
	if err != nil {
		return MediaInfo{}, err
	}
	if size > max {
		what := mt + " files are"
		if kind == MediaSticker {
			what = "Static " + mt + " stickers are"
			if info.Animated {
				what = "Animated " + mt + " stickers are"
			}
		}
		return MediaInfo{}, wabi.Errorf(wabi.EMediaUpload, "%s limited to %s; this one is %d bytes.",
			what, mediaSizeText(max), size)
	}
	return info, nil
}

// mediaResolve decides the file's canonical type from what the sniffer found and
// what the sender declared (already canonical).
func mediaResolve(found *mimetype.MIME, head []byte, declared string) (string, error) {
	_, _, declaredOK := mediaKindOf(declared)
	sniffed := mediaCanonical(found.String())
	switch {
	case sniffed == "application/octet-stream":
		switch {
		case declared == "":
			return "", wabi.Errorf(wabi.EMediaUpload,
				"The media type could not be recognised from the file's content and none was declared.")
		case !declaredOK:
			return "", mediaUnsupported(declared)
		case mediaSignatureKnown(declared):
			return "", wabi.Errorf(wabi.EMediaUpload, "The file is declared as %s but its content is not.", declared)
		}
		return declared, nil
	case mediaIsText(found):
		if k, _, _ := mediaKindOf(declared); k == MediaDocument {
			return declared, nil
		}
		return "text/plain", nil
	case sniffed == "application/x-ole-storage":
		switch declared {
		case "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint":
			return declared, nil
		}
		return "application/msword", nil
	case sniffed == "application/zip":
		switch declared {
		case mediaDocx, mediaXlsx, mediaPptx:
			return declared, nil
		}
	case sniffed == "video/mp4" && declared == "audio/mp4":
		// Every ISO media file with an unfamiliar brand sniffs as video/mp4,
		// audio-only ones included.
		return declared, nil
	case sniffed == "video/quicktime" && len(head) >= 8 && string(head[4:8]) != "ftyp":
		// A file opening with a bare moov or mdat box may be an old MP4 just
		// as well as a QuickTime movie.
		switch declared {
		case "video/mp4", "video/3gpp", "audio/mp4":
			return declared, nil
		}
	}
	return sniffed, nil
}

// mediaSignatureKnown reports whether the sniffer always recognises valid files of
// a type, so that unrecognised bytes declared as it are not of it.
func mediaSignatureKnown(mt string) bool {
	switch mt {
	case "image/jpeg", "image/png", "image/webp", "audio/ogg":
		return true
	}
	return false
}

// mediaIsText reports whether the sniffer found a text file of any sort.
func mediaIsText(m *mimetype.MIME) bool {
	for ; m != nil; m = m.Parent() {
		if m.Is("text/plain") {
			return true
		}
	}
	return false
}

// mediaUnsupported explains that a type is not supported, listing the supported
// types of the kind the type looks like.
func mediaUnsupported(mt string) *wabi.Error {
	top, _, _ := strings.Cut(mt, "/")
	list := ""
	switch top {
	case "image":
		list = " " + mediaImageTypes
	case "audio":
		list = " " + mediaAudioTypes
	case "video":
		list = " " + mediaVideoTypes
	case "application", "text":
		list = " " + mediaDocumentTypes
	}
	return wabi.Errorf(wabi.EMediaUpload, "Media type %s is not supported.%s", mt, list)
}

// mediaSizeText writes a limit the way Meta's documentation does.
func mediaSizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	return fmt.Sprintf("%d KB", n>>10)
}

// mediaCheckPNG reads the IHDR chunk, which the PNG format puts first.
func mediaCheckPNG(head []byte, info *MediaInfo) error {
	if len(head) < 26 || string(head[12:16]) != "IHDR" {
		return wabi.Errorf(wabi.EMediaUpload, "The file is not a valid PNG image.")
	}
	info.Width = int(binary.BigEndian.Uint32(head[16:20]))
	info.Height = int(binary.BigEndian.Uint32(head[20:24]))
	if depth := head[24]; depth != 8 {
		return wabi.Errorf(wabi.EMediaUpload, "PNG images must be 8-bit; this one is %d-bit.", depth)
	}
	switch head[25] {
	case 0, 2, 3, 4, 6: // gray, RGB, palette, gray+alpha, RGBA
		return nil
	}
	return wabi.Errorf(wabi.EMediaUpload, "The file is not a valid PNG image.")
}

// mediaCheckWebP reads a WebP's size and animation and checks it as a sticker.
// An extended (VP8X) file states its canvas and animation itself; a simple one
// is a single frame whose size its bitstream header gives.
func mediaCheckWebP(head []byte, info *MediaInfo) error {
	invalid := wabi.Errorf(wabi.EMediaUpload, "The file is not a valid WebP image.")
	if len(head) < 20 || string(head[:4]) != "RIFF" || string(head[8:12]) != "WEBP" {
		return invalid
	}
	switch string(head[12:16]) {
	case "VP8X":
		if len(head) < 30 {
			return invalid
		}
		const animationFlag = 1 << 1
		info.Animated = head[20]&animationFlag != 0 || mediaWebPHasANIM(head)
		info.Width = 1 + (int(head[24]) | int(head[25])<<8 | int(head[26])<<16)
		info.Height = 1 + (int(head[27]) | int(head[28])<<8 | int(head[29])<<16)
	case "VP8 ", "VP8L":
		c, err := webp.DecodeConfig(bytes.NewReader(head))
		if err != nil {
			return invalid
		}
		info.Width, info.Height = c.Width, c.Height
	default:
		return invalid
	}
	if info.Width != mediaStickerSide || info.Height != mediaStickerSide {
		return wabi.Errorf(wabi.EMediaUpload, "Stickers must be %dx%d pixels; this one is %dx%d.",
			mediaStickerSide, mediaStickerSide, info.Width, info.Height)
	}
	return nil
}

// mediaWebPHasANIM walks the RIFF chunks within head looking for the ANIM chunk
// that animated files carry, for writers that forget the VP8X flag.
func mediaWebPHasANIM(head []byte) bool {
	for off := 12; off+8 <= len(head); {
		if string(head[off:off+4]) == "ANIM" {
			return true
		}
		n := int(binary.LittleEndian.Uint32(head[off+4 : off+8]))
		if n < 0 || n > len(head) {
			return false
		}
		off += 8 + n + n&1 // chunks are padded to even length
	}
	return false
}

// mediaCheckOgg checks that an Ogg stream's first packet, which names its codec,
// is an OPUS identification header for one channel.
func mediaCheckOgg(head []byte) error {
	wrong := wabi.Errorf(wabi.EMediaUpload, "OGG audio must use the OPUS codec.")
	// A page header is 27 bytes and a table of segment lengths; the first
	// packet follows.
	if len(head) < 27 || string(head[:4]) != "OggS" {
		return wrong
	}
	start := 27 + int(head[26])
	if len(head) < start+10 || string(head[start:start+8]) != "OpusHead" {
		return wrong
	}
	if ch := head[start+9]; ch != 1 {
		return wabi.Errorf(wabi.EMediaUpload, "OGG audio must be mono; this one has %d channels.", ch)
	}
	return nil
}

// MediaFits reports whether media of a type may be sent as message type t:
// images only image/jpeg or image/png, stickers only image/webp, audio only the
// audio types, video only the video types; documents take every supported type,
// since Meta delivers any file as a document. mime may carry parameters or an
// alias. It returns a *wabi.Error (EMediaUpload) explaining the mismatch, or nil.
func MediaFits(t wabi.Type, mime string) error {
	if !t.IsMedia() {
		return wabi.Errorf(wabi.EMediaUpload, "Messages of type %s carry no media.", t)
	}
	mt := mediaCanonical(mime)
	kind, _, ok := mediaKindOf(mt)
	if !ok {
		return mediaUnsupported(mt)
	}
	if t == wabi.TypeDocument || MediaKind(t) == kind {
		return nil
	}
	var as, list string
	switch MediaKind(t) {
	case MediaImage:
		as, list = "an image", mediaImageTypes
	case MediaAudio:
		as, list = "audio", mediaAudioTypes
	case MediaVideo:
		as, list = "a video", mediaVideoTypes
	case MediaSticker:
		as, list = "a sticker", mediaStickerTypes
	}
	return wabi.Errorf(wabi.EMediaUpload, "Media type %s cannot be sent as %s. %s", mt, as, list)
}
