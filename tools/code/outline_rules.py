"""Per-language outline rules: tree-sitter query patterns and how to read their matches.

Each pattern has one role. ``def`` patterns capture the definition as ``@def`` and its name as
``@name`` (optionally ``@parent``: an explicit owner such as a Go receiver type); ``scope``
patterns name a container that is not a symbol itself (a Rust ``impl``); ``import``, ``comment``
and ``attr`` (attributes between a doc comment and its definition) capture the node as ``@node``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from tools.code.outline_model import SymbolKind

Role = Literal["def", "scope", "import", "comment", "attr"]


@dataclass(frozen=True)
class Pattern:
    role: Role
    kind: SymbolKind | Literal["impl", ""]
    query: str


def d(kind: SymbolKind, query: str) -> Pattern:
    return Pattern("def", kind, query)


def imp(query: str) -> Pattern:
    return Pattern("import", "", query)


def com(query: str) -> Pattern:
    return Pattern("comment", "", query)


@dataclass(frozen=True)
class OutlineRules:
    patterns: tuple[Pattern, ...]
    method_parents: frozenset[str] = frozenset()
    """Kinds of container whose ``function`` children are methods."""
    wrappers: frozenset[str] = frozenset()
    """Node types wrapping a definition (decorators, ``export``, ``template<>``): the symbol's
    first line and its doc comment are taken from the outermost wrapper."""
    docstring: bool = False
    """Python: the doc is the body's first string, not the comment above."""
    body_fields: tuple[str, ...] = field(default=("body",))


_JS_COMMON: tuple[Pattern, ...] = (
    d("function", "(function_declaration name: (_) @name) @def"),
    d("function", "(generator_function_declaration name: (_) @name) @def"),
    d("class", "(class_declaration name: (_) @name) @def"),
    d("method", "(method_definition name: (_) @name) @def"),
    d(
        "function",
        "(variable_declarator name: (identifier) @name value: "
        "[(arrow_function) (function_expression) (generator_function)]) @def",
    ),
    imp("(import_statement) @node"),
    imp(
        "(lexical_declaration (variable_declarator value: (call_expression function: "
        '(identifier) @_f (#eq? @_f "require")))) @node'
    ),
    imp(
        "(variable_declaration (variable_declarator value: (call_expression function: "
        '(identifier) @_f (#eq? @_f "require")))) @node'
    ),
    com("(comment) @node"),
)

_TS_EXTRA: tuple[Pattern, ...] = (
    d("class", "(abstract_class_declaration name: (_) @name) @def"),
    d("interface", "(interface_declaration name: (_) @name) @def"),
    d("enum", "(enum_declaration name: (_) @name) @def"),
    d("type", "(type_alias_declaration name: (_) @name) @def"),
    d("namespace", "(internal_module name: (_) @name) @def"),
    d("method", "(method_signature name: (_) @name) @def"),
    d("method", "(abstract_method_signature name: (_) @name) @def"),
    d("function", "(function_signature name: (_) @name) @def"),
)

_JS_WRAPPERS = frozenset({"export_statement"})

_C_COMMON: tuple[Pattern, ...] = (
    d(
        "function",
        "(function_definition declarator: (function_declarator declarator: (_) @name)) @def",
    ),
    d(
        "function",
        "(function_definition declarator: (pointer_declarator declarator: "
        "(function_declarator declarator: (_) @name))) @def",
    ),
    d(
        "function",
        "(function_definition declarator: (pointer_declarator declarator: (pointer_declarator "
        "declarator: (function_declarator declarator: (_) @name)))) @def",
    ),
    d("struct", "(struct_specifier name: (_) @name body: (_)) @def"),
    d("struct", "(union_specifier name: (_) @name body: (_)) @def"),
    d("enum", "(enum_specifier name: (_) @name body: (_)) @def"),
    d("type", "(type_definition declarator: (type_identifier) @name) @def"),
    imp("(preproc_include) @node"),
    com("(comment) @node"),
)

RULES: dict[str, OutlineRules] = {
    "python": OutlineRules(
        patterns=(
            d("class", "(class_definition name: (identifier) @name) @def"),
            d("function", "(function_definition name: (identifier) @name) @def"),
            d("function", "(assignment left: (identifier) @name right: (lambda)) @def"),
            imp("(import_statement) @node"),
            imp("(import_from_statement) @node"),
            imp("(future_import_statement) @node"),
        ),
        method_parents=frozenset({"class"}),
        wrappers=frozenset({"decorated_definition"}),
        docstring=True,
    ),
    "javascript": OutlineRules(
        patterns=_JS_COMMON, method_parents=frozenset({"class"}), wrappers=_JS_WRAPPERS
    ),
    "typescript": OutlineRules(
        patterns=_JS_COMMON + _TS_EXTRA,
        method_parents=frozenset({"class"}),
        wrappers=_JS_WRAPPERS,
    ),
    "tsx": OutlineRules(
        patterns=_JS_COMMON + _TS_EXTRA,
        method_parents=frozenset({"class"}),
        wrappers=_JS_WRAPPERS,
    ),
    "go": OutlineRules(
        patterns=(
            d("function", "(function_declaration name: (identifier) @name) @def"),
            d(
                "method",
                "(method_declaration receiver: (parameter_list (parameter_declaration type: ["
                "(type_identifier) @parent (pointer_type (type_identifier) @parent) "
                "(generic_type type: (type_identifier) @parent) "
                "(pointer_type (generic_type type: (type_identifier) @parent))])) "
                "name: (field_identifier) @name) @def",
            ),
            d("struct", "(type_spec name: (type_identifier) @name type: (struct_type)) @def"),
            d("interface", "(type_spec name: (type_identifier) @name type: (interface_type)) @def"),
            d("type", "(type_spec name: (type_identifier) @name) @def"),
            d("type", "(type_alias name: (type_identifier) @name) @def"),
            d("method", "(method_elem name: (field_identifier) @name) @def"),
            imp("(import_spec) @node"),
            com("(comment) @node"),
        ),
    ),
    "rust": OutlineRules(
        patterns=(
            d("function", "(function_item name: (identifier) @name) @def"),
            d("function", "(function_signature_item name: (identifier) @name) @def"),
            d("struct", "(struct_item name: (type_identifier) @name) @def"),
            d("struct", "(union_item name: (type_identifier) @name) @def"),
            d("enum", "(enum_item name: (type_identifier) @name) @def"),
            d("trait", "(trait_item name: (type_identifier) @name) @def"),
            d("type", "(type_item name: (type_identifier) @name) @def"),
            d("module", "(mod_item name: (identifier) @name) @def"),
            Pattern(
                "scope",
                "impl",
                "(impl_item type: [(type_identifier) @name "
                "(generic_type type: (type_identifier) @name) "
                "(scoped_type_identifier name: (type_identifier) @name)]) @def",
            ),
            imp("(use_declaration) @node"),
            imp("(extern_crate_declaration) @node"),
            com("(line_comment) @node"),
            com("(block_comment) @node"),
            Pattern("attr", "", "(attribute_item) @node"),
        ),
        method_parents=frozenset({"impl", "trait"}),
    ),
    "java": OutlineRules(
        patterns=(
            d("class", "(class_declaration name: (identifier) @name) @def"),
            d("class", "(record_declaration name: (identifier) @name) @def"),
            d("interface", "(interface_declaration name: (identifier) @name) @def"),
            d("interface", "(annotation_type_declaration name: (identifier) @name) @def"),
            d("enum", "(enum_declaration name: (identifier) @name) @def"),
            d("method", "(method_declaration name: (identifier) @name) @def"),
            d("method", "(constructor_declaration name: (identifier) @name) @def"),
            imp("(import_declaration) @node"),
            com("(block_comment) @node"),
            com("(line_comment) @node"),
        ),
    ),
    "c": OutlineRules(patterns=_C_COMMON),
    "cpp": OutlineRules(
        patterns=(
            *_C_COMMON,
            d(
                "function",
                "(function_definition declarator: (reference_declarator "
                "(function_declarator declarator: (_) @name))) @def",
            ),
            d("class", "(class_specifier name: (_) @name body: (_)) @def"),
            d("namespace", "(namespace_definition name: (_) @name) @def"),
            d("type", "(alias_declaration name: (type_identifier) @name) @def"),
        ),
        method_parents=frozenset({"class", "struct"}),
        wrappers=frozenset({"template_declaration"}),
    ),
    "ruby": OutlineRules(
        patterns=(
            d("class", "(class name: (_) @name) @def"),
            d("module", "(module name: (_) @name) @def"),
            d("function", "(method name: (_) @name) @def"),
            d("method", "(singleton_method name: (_) @name) @def"),
            imp(
                "(call method: (identifier) @_m "
                '(#any-of? @_m "require" "require_relative" "load")) @node'
            ),
            com("(comment) @node"),
        ),
        method_parents=frozenset({"class", "module"}),
    ),
    "c_sharp": OutlineRules(
        patterns=(
            d("class", "(class_declaration name: (identifier) @name) @def"),
            d("class", "(record_declaration name: (identifier) @name) @def"),
            d("interface", "(interface_declaration name: (identifier) @name) @def"),
            d("struct", "(struct_declaration name: (identifier) @name) @def"),
            d("enum", "(enum_declaration name: (identifier) @name) @def"),
            d("namespace", "(namespace_declaration name: (_) @name) @def"),
            d("namespace", "(file_scoped_namespace_declaration name: (_) @name) @def"),
            d("method", "(method_declaration name: (identifier) @name) @def"),
            d("method", "(constructor_declaration name: (identifier) @name) @def"),
            d("function", "(local_function_statement name: (identifier) @name) @def"),
            imp("(using_directive) @node"),
            com("(comment) @node"),
        ),
    ),
}

CONTAINER_KINDS = frozenset(
    {
        "class",
        "interface",
        "struct",
        "enum",
        "trait",
        "module",
        "namespace",
        "function",
        "method",
        "impl",
    }
)
"""Kinds that can be a parent (a C ``typedef`` is not the parent of the struct it names)."""
