"""An import-linter contract type for the package's layers, by module name.

The built-in contracts list modules one by one; this one classifies every module by where
it sits, so a new internal module (orders/merging.py, tables/occupancy.py) is covered the
day it is created:

- a domain is a subpackage listed in `domains`; inside it, a module named in `adapters`
  (graphql, rest, ...), or ending in `_<adapter>` (`discounts_graphql`), is an adapter,
  everything else (service, models, events, internal modules) is the service layer;
- `adapter_packages` (api/) are adapter infrastructure shared by every domain.

Rules, checked on direct imports:
- the service layer imports, of another domain, only its public interface (`<domain>.service`);
  it never imports an adapter (its own domain's, another's, or api/) nor a composition
  root (`roots`), and never a web framework (`frameworks`), not even indirectly;
- an adapter imports, of another domain, its `service` and `models` only; modules of the
  GraphQL graph (`graph`) may also import another domain's graph modules, since the schema's
  types refer to one another (an order's table, a table's current order);
- adapter infrastructure imports, of a domain, its `service` only.

`ignore_imports` lists known exceptions as "importer -> imported"; one that no longer
occurs breaks the contract, so the list cannot go stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


@dataclass(frozen=True)
class Violation:
    importer: str
    imported: str
    rule: str
    line_numbers: tuple[int, ...] = ()


class DomainLayersContract(Contract):
    type_name = "domain_layers"

    root = fields.StringField()
    domains = fields.ListField(subfield=fields.StringField())
    adapters = fields.ListField(subfield=fields.StringField())
    graph = fields.ListField(subfield=fields.StringField())
    adapter_packages = fields.ListField(subfield=fields.StringField())
    roots = fields.ListField(subfield=fields.StringField())
    frameworks = fields.ListField(subfield=fields.StringField())
    ignore_imports = fields.ListField(subfield=fields.StringField(), required=False)

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        ignored = {_parse_ignore(text) for text in _strings(self.ignore_imports)}
        used: set[tuple[str, str]] = set()
        violations: list[Violation] = []
        modules = sorted(m for m in graph.modules if self._inside(m))
        for importer in modules:
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                rule = self._broken_rule(importer, imported)
                if rule is None:
                    continue
                if (importer, imported) in ignored:
                    used.add((importer, imported))
                    continue
                violations.append(
                    Violation(importer, imported, rule, _lines(graph, importer, imported))
                )
            if self._kind(importer)[1] == "service":
                violations.extend(self._framework_violations(graph, importer))
        for importer, imported in sorted(ignored - used):
            violations.append(
                Violation(importer, imported, "ignored import no longer occurs: drop the ignore")
            )
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for violation in check.metadata["violations"]:
            lines = ", ".join(map(str, violation.line_numbers))
            where = f" (l.{lines})" if lines else ""
            output.print_error(
                f"- {violation.importer} -> {violation.imported}{where}: {violation.rule}",
                bold=False,
            )
        output.new_line()

    # --- classification ---------------------------------------------------------------

    def _inside(self, module: str) -> bool:
        return module == self.root or module.startswith(f"{self.root}.")

    def _kind(self, module: str) -> tuple[str | None, str]:
        """(domain, kind): kind is service, adapter, infrastructure, root or neutral."""
        parts = module.split(".")
        if len(parts) < 2 or parts[0] != self.root:
            return None, "external"
        top = parts[1]
        if top in _strings(self.domains):
            if len(parts) == 2:
                return top, "package"
            return top, "adapter" if self._role(parts[2]) in _strings(self.adapters) else "service"
        if top in _strings(self.adapter_packages):
            return None, "infrastructure"
        if top in _strings(self.roots):
            return None, "root"
        return None, "neutral"

    def _role(self, member: str | None) -> str | None:
        """An adapter split by use case keeps its kind: `discounts_graphql` is `graphql`."""
        if member is None:
            return None
        for adapter in _strings(self.adapters):
            if member.endswith(f"_{adapter}"):
                return adapter
        return member

    def _member(self, module: str) -> str | None:
        """The module's name inside its domain (`orders.rest` -> `rest`)."""
        parts = module.split(".")
        return parts[2] if len(parts) > 2 else None

    def _broken_rule(self, importer: str, imported: str) -> str | None:
        domain, kind = self._kind(importer)
        target_domain, target_kind = self._kind(imported)
        if kind == "service":
            if target_kind in ("adapter", "infrastructure", "root"):
                return "the service layer imports no adapter and no composition root"
            other_domain = target_domain not in (None, domain)
            if other_domain and target_kind == "service" and self._member(imported) != "service":
                return "another domain is reached through its service module only"
        elif kind == "adapter" and target_domain not in (None, domain):
            member = self._member(imported)
            if target_kind == "service" and member in ("service", "models"):
                return None
            graph = _strings(self.graph)
            if self._role(self._member(importer)) in graph and self._role(member) in graph:
                return None
            if target_kind != "package":
                return "another domain's adapters and internals are off limits to adapters"
        elif kind == "infrastructure" and target_domain is not None:
            if target_kind == "package" or self._member(imported) == "service":
                return None
            return "api/ reaches a domain through its service only"
        return None

    def _framework_violations(self, graph: ImportGraph, importer: str) -> list[Violation]:
        violations = []
        for framework in _strings(self.frameworks):
            if framework not in graph.modules:
                continue
            chain = graph.find_shortest_chain(importer=importer, imported=framework)
            if chain:
                violations.append(
                    Violation(
                        importer,
                        framework,
                        "the service layer imports no web framework: " + " -> ".join(chain),
                    )
                )
        return violations


def _strings(value: object) -> list[str]:
    """A ListField's value: import-linter replaces the field with the parsed list."""
    return list(cast("list[str] | None", value) or [])


def _parse_ignore(text: str) -> tuple[str, str]:
    importer, _, imported = text.partition("->")
    return importer.strip(), imported.strip()


def _lines(graph: ImportGraph, importer: str, imported: str) -> tuple[int, ...]:
    details = graph.get_import_details(importer=importer, imported=imported)
    return tuple(sorted(detail["line_number"] for detail in details))
