"""The errata page and the Erratum boxes of the chapters agree.

Every box in a chapter opens with exactly these lines::

    ```{admonition} Erratum (article 004): a short title
    :class: warning
    :name: erratum-004-some-words

and ``book/errata.md`` has one table row per box::

    | 004 | a short title | {ref}`Ch. 4: Section heading <erratum-004-some-words>` | the fix |

The test fails when a box is missing from the page, when the page lists a box that no
chapter has, or when a row's article, title or section disagrees with its box.
"""

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
PAGE = BOOK / "errata.md"

BOX = re.compile(r"^```\{admonition\} Erratum \(article (\d{3})\): ([^`\n]+)\n"
                 r":class: warning\n"
                 r":name: (erratum-(\d{3})-[a-z0-9-]+)$", re.MULTILINE)
ANY_BOX = re.compile(r"^```\{admonition\} Erratum\b.*$", re.MULTILINE)
HEADING = re.compile(r"^#{1,4} (.+)$", re.MULTILINE)
ROW = re.compile(r"^\| (\d{3}) \| (.+?) \| \{ref\}`(Ch\. \d+: [^`<]+) <(erratum-[a-z0-9-]+)>` "
                 r"\| (.+) \|$", re.MULTILINE)


def plain(text):
    """A heading as the page's link text writes it: no backticks, no markup."""
    return text.replace("`", "").replace("*", "").strip()


def boxes_in_chapters():
    """name -> (notebook, article, title, heading of the section the box sits in)."""
    found, problems = {}, []
    for path in sorted(BOOK.glob("*.ipynb")):
        heading = None
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "markdown":
                continue
            # Walk the cell in order: headings and boxes as they come.
            events = [(m.start(), "heading", m) for m in HEADING.finditer(cell.source)]
            events += [(m.start(), "box", m) for m in ANY_BOX.finditer(cell.source)]
            for start, kind, match in sorted(events, key=lambda e: e[0]):
                if kind == "heading":
                    heading = plain(match.group(1))
                    continue
                box = BOX.match(cell.source, start)
                if box is None:
                    problems.append(f"{path.name}: not in the errata format: {match.group(0)}")
                    continue
                article, title, name, name_article = box.groups()
                if name in found:
                    problems.append(f"{path.name}: name used twice: {name}")
                if name_article != article:
                    problems.append(f"{path.name}: {name} names article {name_article}, "
                                    f"the title article {article}")
                found[name] = (path, article, title.strip(), heading)
    return found, problems


def rows_on_page():
    text = PAGE.read_text(encoding="utf-8")
    rows = {}
    for article, title, link, name, fix in ROW.findall(text):
        assert name not in rows, f"errata.md lists {name} twice"
        rows[name] = (article, title.strip(), link.strip(), fix.strip())
    listed = set(re.findall(r"<(erratum-[a-z0-9-]+)>", text))
    assert listed == set(rows), f"rows not in the table format: {sorted(listed - set(rows))}"
    return rows


def test_every_box_has_the_errata_format():
    found, problems = boxes_in_chapters()
    assert not problems, "\n".join(problems)
    assert len(found) >= 20  # the chapters show the articles' errata; none lost silently


def test_the_page_lists_every_box_and_nothing_else():
    found, _ = boxes_in_chapters()
    rows = rows_on_page()
    missing, extra = sorted(set(found) - set(rows)), sorted(set(rows) - set(found))
    assert not missing, f"boxes missing from errata.md: {missing}"
    assert not extra, f"errata.md lists boxes that no chapter has: {extra}"


@pytest.mark.parametrize("name", sorted(boxes_in_chapters()[0]))
def test_each_row_matches_its_box(name):
    path, article, title, heading = boxes_in_chapters()[0][name]
    rows = rows_on_page()
    if name not in rows:
        pytest.skip("missing from the page: test_the_page_lists_every_box_and_nothing_else")
    row_article, row_title, link, fix = rows[name]
    assert (row_article, row_title) == (article, title)
    where = f"Ch. {int(path.name[:2])}: {heading}"
    assert link == where, f"{name} sits in {path.name}, section {heading!r}"
    assert fix and fix != "…"


def test_the_page_is_in_the_table_of_contents():
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert "file: book/errata" in toc
