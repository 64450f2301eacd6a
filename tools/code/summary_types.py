"""What ``summarize`` returns, and what it asks the model for."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class KeyPart(BaseModel):
    """A part of the code worth knowing about."""

    name: str = Field(description="Class, function, module or file name.")
    location: str = Field(description="Where it is, as path:line.")
    role: str = Field(description="What it does, in one sentence.")


class ModelSummary(BaseModel):
    """The summary the model writes."""

    purpose: str = Field(description="What the code is for and how it works, 2 to 6 sentences.")
    key_parts: list[KeyPart] = Field(description="The most important parts, most important first.")
    risks: list[str] = Field(
        description="Risks, likely bugs, TODOs and open questions, each with path:line if known."
    )


Method = Literal["whole", "map_reduce", "repo_map", "structural"]


class SummarizeResult(BaseModel):
    """A summary of a file or a directory, and how it was made."""

    path: str = Field(description="The summarized path, relative to the workspace root.")
    kind: Literal["file", "directory"]
    purpose: str
    key_parts: list[KeyPart]
    risks: list[str]
    model_used: bool = Field(description="False: a structural summary, no model was used.")
    model: str | None = Field(description="The model that wrote the summary, if any.")
    method: Method = Field(
        description="whole: the file was sent whole; map_reduce: outline plus summarized "
        "chunks; repo_map: a ranked map of definitions; structural: no model."
    )
    note: str | None = Field(default=None, description="Anything the reader should know.")
    files: int = Field(description="Files considered.")
    bytes: int = Field(description="Total size of the files considered.")
    languages: dict[str, int] = Field(description="Files per language.")
    budget_tokens: int
    tokens_sent: int = Field(description="Estimated tokens sent to the model (all requests).")
    model_requests: int
