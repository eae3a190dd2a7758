"""File formats for the admin's flat import and export, as Japanese offices use them."""

from import_export.formats import base_formats

# Japanese Excel saves CSV as cp932 (Shift_JIS) unless told otherwise; newer versions offer UTF-8.
CSV_ENCODINGS = ("utf-8-sig", "cp932")


def decode_japanese_csv(data: bytes) -> str:
    """Decode an uploaded CSV that may be UTF-8 (with or without BOM) or cp932."""
    for encoding in CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("CSV の文字コードを読み取れません。UTF-8 か Shift_JIS（cp932）で保存してください。")


class JapaneseCSV(base_formats.CSV):
    """CSV that reads UTF-8 or cp932 and is written with a BOM so that Excel shows Japanese."""

    def is_binary(self) -> bool:
        # Read the upload as bytes so that we choose the encoding, not the admin's default.
        return True

    def get_read_mode(self) -> str:
        return "rb"

    def create_dataset(self, in_stream, **kwargs):
        if isinstance(in_stream, bytes):
            in_stream = decode_japanese_csv(in_stream)
        return super().create_dataset(in_stream, **kwargs)

    def export_data(self, dataset, **kwargs) -> bytes:
        return super().export_data(dataset, **kwargs).encode("utf-8-sig")


FLAT_FORMATS = [JapaneseCSV, base_formats.XLSX]
