"""The README's demo citizens are the ones the demo world really has."""

from pathlib import Path

README = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_names_every_persona_with_its_plates_and_nibs(personas):
    table = README.split("## Demo citizens", 1)[1].split("## ", 1)[0]
    for persona in personas.values():
        row = next((line for line in table.splitlines() if f"`{persona.nik}`" in line), None)
        assert row is not None, f"{persona.key} ({persona.nik}) is not in the README"
        for identifier in (*persona.plates, *persona.nibs):
            assert f"`{identifier}`" in row, f"{identifier} of {persona.key} missing"
