"""Real, tiny lesson files for the demo catalog, made here without any download or media tool:
an H.264 MP4 that every browser plays, and a one-page PDF.

The video is H.264 Baseline written by hand: each second starts with a key frame whose
macroblocks are all I_PCM (raw pixels, so no transform or entropy coding is needed), and the
frames between repeat it as P frames whose macroblocks are all skipped (a few bytes each). A
block moves across the picture once a second and the colour changes with the lesson, so a
player visibly advances. The MP4 box layout is the usual ftyp, moov (one video track), mdat.
"""

from __future__ import annotations

import struct
import zlib

WIDTH, HEIGHT = 128, 72  # 8 x 4.5 -> 8 x 5 macroblocks, cropped to 72 lines
FPS = 5
MB = 16


class _Bits:
    def __init__(self) -> None:
        self.bits: list[int] = []

    def u(self, n: int, value: int) -> None:
        self.bits.extend((value >> (n - 1 - i)) & 1 for i in range(n))

    def ue(self, value: int) -> None:
        value += 1
        length = value.bit_length()
        self.u(length - 1, 0)
        self.u(length, value)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        while len(self.bits) % 8:
            self.bits.append(0)

    def raw(self, data: bytes) -> None:
        assert len(self.bits) % 8 == 0
        for byte in data:
            self.u(8, byte)

    def trailing(self) -> bytes:
        self.bits.append(1)
        self.align_zero()
        out = bytearray()
        for i in range(0, len(self.bits), 8):
            byte = 0
            for bit in self.bits[i : i + 8]:
                byte = (byte << 1) | bit
            out.append(byte)
        return bytes(out)


def _nal(ref_idc: int, kind: int, rbsp: bytes) -> bytes:
    """A NAL unit with emulation-prevention bytes (no 00 00 0x inside the payload)."""
    out = bytearray([(ref_idc << 5) | kind])
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _mbs() -> tuple[int, int]:
    return WIDTH // MB, (HEIGHT + MB - 1) // MB


def _sps() -> bytes:
    w, h = _mbs()
    b = _Bits()
    b.u(8, 66)  # profile_idc: Baseline
    b.u(8, 0xC0)  # constraint_set0/1 flags
    b.u(8, 13)  # level 1.3
    b.ue(0)  # seq_parameter_set_id
    b.ue(4)  # log2_max_frame_num_minus4 -> 256
    b.ue(2)  # pic_order_cnt_type 2: output order = decode order
    b.ue(1)  # max_num_ref_frames
    b.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    b.ue(w - 1)
    b.ue(h - 1)
    b.u(1, 1)  # frame_mbs_only_flag
    b.u(1, 1)  # direct_8x8_inference_flag
    crop = (h * MB - HEIGHT) // 2  # in 2-line units for 4:2:0
    b.u(1, 1 if crop else 0)  # frame_cropping_flag
    if crop:
        b.ue(0), b.ue(0), b.ue(0), b.ue(crop)
    b.u(1, 0)  # vui_parameters_present_flag
    return _nal(3, 7, b.trailing())


def _pps() -> bytes:
    b = _Bits()
    b.ue(0)  # pic_parameter_set_id
    b.ue(0)  # seq_parameter_set_id
    b.u(1, 0)  # entropy_coding_mode_flag: CAVLC
    b.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    b.ue(0)  # num_slice_groups_minus1
    b.ue(0), b.ue(0)  # num_ref_idx_l0/l1_default_active_minus1
    b.u(1, 0), b.u(2, 0)  # weighted_pred_flag, weighted_bipred_idc
    b.se(0), b.se(0), b.se(0)  # pic_init_qp/qs_minus26, chroma_qp_index_offset
    b.u(1, 1)  # deblocking_filter_control_present_flag
    b.u(1, 0)  # constrained_intra_pred_flag
    b.u(1, 0)  # redundant_pic_cnt_present_flag
    return _nal(3, 8, b.trailing())


def _yuv(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = rgb
    y = 16 + (66 * r + 129 * g + 25 * b + 128) // 256
    u = 128 + (-38 * r - 74 * g + 112 * b + 128) // 256
    v = 128 + (112 * r - 94 * g - 18 * b + 128) // 256
    return tuple(min(max(c, 16), 240) for c in (y, u, v))


def _idr(frame: int, idr_id: int, background, block, block_x: int) -> bytes:
    """A key frame: every macroblock I_PCM, the background colour with one moving block."""
    w, h = _mbs()
    bg, fg = _yuv(background), _yuv(block)
    b = _Bits()
    b.ue(0)  # first_mb_in_slice
    b.ue(7)  # slice_type: I (all slices)
    b.ue(0)  # pic_parameter_set_id
    b.u(8, frame % 256)  # frame_num (0 for an IDR)
    b.ue(idr_id)
    b.u(1, 0), b.u(1, 0)  # no_output_of_prior_pics_flag, long_term_reference_flag
    b.se(0)  # slice_qp_delta
    b.ue(1)  # disable_deblocking_filter_idc
    for mb_y in range(h):
        for mb_x in range(w):
            b.ue(25)  # mb_type I_PCM
            b.align_zero()
            inside = mb_x == block_x and mb_y in (1, 2)
            y, u, v = fg if inside else bg
            # A lighter stripe at the top of each block row gives the picture some texture.
            luma = bytes(min(y + 24, 235) if row < 2 else y for row in range(16) for _ in range(16))
            b.raw(luma + bytes([u]) * 64 + bytes([v]) * 64)
    return _nal(3, 5, b.trailing())


def _skip(frame: int) -> bytes:
    """A P frame that repeats the previous one: every macroblock skipped."""
    w, h = _mbs()
    b = _Bits()
    b.ue(0)
    b.ue(5)  # slice_type: P (all slices)
    b.ue(0)
    b.u(8, frame % 256)
    b.u(1, 0)  # num_ref_idx_active_override_flag
    b.u(1, 0)  # ref_pic_list_modification_flag_l0
    b.u(1, 0)  # adaptive_ref_pic_marking_mode_flag
    b.se(0)
    b.ue(1)
    b.ue(w * h)  # mb_skip_run: all of them
    return _nal(2, 1, b.trailing())


def _box(kind: bytes, *payload: bytes) -> bytes:
    body = b"".join(payload)
    return struct.pack(">I4s", 8 + len(body), kind) + body


def _full(kind: bytes, version: int, flags: int, *payload: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *payload)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def demo_video(
    *, seconds: int = 6, key_every: int = 1, color=(32, 96, 200), block=(250, 200, 60)
) -> bytes:
    """An MP4 of `seconds` seconds, 128x72 at 5 fps, a key frame (15 KB) every `key_every`
    seconds where the block moves on."""
    sps, pps = _sps(), _pps()
    samples, sync = [], []
    w, _h = _mbs()
    frame_num = 0
    for index in range(seconds * FPS):
        if index % (FPS * key_every) == 0:
            key = index // (FPS * key_every)
            nal = _idr(0, key % 65536, color, block, key % w)
            frame_num = 0
            sync.append(index + 1)
        else:
            frame_num += 1
            nal = _skip(frame_num)
        samples.append(struct.pack(">I", len(nal)) + nal)

    scale, delta = 1000, 1000 // FPS
    duration = len(samples) * delta
    avcc = _box(
        b"avcC",
        bytes([1, 66, 0xC0, 13, 0xFF, 0xE1]),
        struct.pack(">H", len(sps)),
        sps,
        bytes([1]),
        struct.pack(">H", len(pps)),
        pps,
    )
    avc1 = _box(
        b"avc1",
        bytes(6),
        struct.pack(">HHH3I", 1, 0, 0, 0, 0, 0),
        struct.pack(">HHIIIH", WIDTH, HEIGHT, 0x480000, 0x480000, 0, 1),
        bytes(32),
        struct.pack(">Hh", 0x18, -1),
        avcc,
    )

    def moov(chunk_offset: int) -> bytes:
        stbl = _box(
            b"stbl",
            _full(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
            _full(b"stts", 0, 0, struct.pack(">III", 1, len(samples), delta)),
            _full(b"stss", 0, 0, struct.pack(f">I{len(sync)}I", len(sync), *sync)),
            _full(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, len(samples), 1)),
            _full(
                b"stsz",
                0,
                0,
                struct.pack(f">II{len(samples)}I", 0, len(samples), *map(len, samples)),
            ),
            _full(b"stco", 0, 0, struct.pack(">II", 1, chunk_offset)),
        )
        minf = _box(
            b"minf",
            _full(b"vmhd", 0, 1, bytes(8)),
            _box(b"dinf", _full(b"dref", 0, 0, struct.pack(">I", 1), _full(b"url ", 0, 1))),
            stbl,
        )
        mdia = _box(
            b"mdia",
            _full(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, scale, duration, 0x55C4, 0)),
            _full(b"hdlr", 0, 0, struct.pack(">I4s3I", 0, b"vide", 0, 0, 0), b"VideoHandler\0"),
            minf,
        )
        tkhd = _full(
            b"tkhd",
            0,
            3,
            struct.pack(">IIIII", 0, 0, 1, 0, duration),
            bytes(8),
            struct.pack(">hhhH", 0, 0, 0, 0),
            _MATRIX,
            struct.pack(">II", WIDTH << 16, HEIGHT << 16),
        )
        mvhd = _full(
            b"mvhd",
            0,
            0,
            struct.pack(">IIIIIH", 0, 0, scale, duration, 0x10000, 0x100),
            bytes(10),
            _MATRIX,
            bytes(24),
            struct.pack(">I", 2),
        )
        return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))

    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 0x200), b"isomiso2avc1mp41")
    head = len(ftyp) + len(moov(0)) + 8  # the samples start after mdat's own header
    return ftyp + moov(head) + _box(b"mdat", *samples)


def demo_pdf(*, title: str, lines: list[str]) -> bytes:
    """A one-page A4 PDF with a title and a few lines, in Chinese: the text uses the standard
    Adobe-GB1 font STSong-Light (not embedded; every PDF viewer provides it)."""

    def utf16(text: str) -> str:
        return "<" + text.encode("utf-16-be").hex().upper() + ">"

    body = ["BT", "/F1 22 Tf", "60 770 Td", f"{utf16(title)} Tj", "/F1 13 Tf"]
    for line in lines:
        body += ["0 -30 Td", f"{utf16(line)} Tj"]
    body.append("ET")
    stream = zlib.compress("\n".join(body).encode())
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UTF16-H "
        b"/DescendantFonts [6 0 R] >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (GB1) /Supplement 4 >> "
        b"/FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /STSong-Light /Flags 6 "
        b"/FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 880 /StemV 93 >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
