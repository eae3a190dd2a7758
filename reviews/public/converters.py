"""A fiscal year in a public URL: four digits, so that /2017/ has no twin such as /02017/."""


class FiscalYearConverter:
    regex = "[12][0-9]{3}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
