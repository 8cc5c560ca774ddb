import { SymbolonError } from '../errors.js';
import { compileRouteRule } from './route-rule.js';
import type { ClientIdentity, RouteRule, RulePredicate } from './route-rule.js';

export interface RouteRuleSet {
  readonly allow?: readonly RouteRule[];
  readonly deny?: readonly RouteRule[];
}

export type RouteDecision =
  { readonly allowed: true } | { readonly allowed: false; readonly reason: 'route_denied'; readonly rule: string };

export interface CompiledRouteRules {
  /** Deny rules win; when allow rules exist, at least one must match. */
  decide(identity: ClientIdentity): RouteDecision;
}

/** Most rules a route may carry: far above real use, low enough to bound the per-request cost. */
export const MAX_RULES_PER_ROUTE = 10_000;

interface Named {
  readonly name: string;
  readonly matches: RulePredicate;
}

const ALLOWED: RouteDecision = Object.freeze({ allowed: true });

/** Compiles a route's rules once. Throws `GATEWAY_RULE_INVALID` naming the bad rule (`deny[2]`). */
export function compileRouteRules(rules: RouteRuleSet): CompiledRouteRules {
  const allow = compileList('allow', rules.allow ?? []);
  const deny = compileList('deny', rules.deny ?? []);
  const noAllowMatched = Object.freeze({ allowed: false, reason: 'route_denied', rule: 'allow: no rule matched' } as const);
  const denied = deny.map((entry) => Object.freeze({ allowed: false, reason: 'route_denied', rule: entry.name } as const));
  return Object.freeze({
    decide(identity: ClientIdentity): RouteDecision {
      for (let i = 0; i < deny.length; i++) if (deny[i]!.matches(identity)) return denied[i]!;
      if (allow.length === 0) return ALLOWED;
      return allow.some((entry) => entry.matches(identity)) ? ALLOWED : noAllowMatched;
    },
  });
}

function compileList(kind: 'allow' | 'deny', rules: readonly RouteRule[]): Named[] {
  if (rules.length > MAX_RULES_PER_ROUTE)
    throw new SymbolonError('GATEWAY_RULE_INVALID', `${kind} has ${rules.length} rules; at most ${MAX_RULES_PER_ROUTE} are accepted`);
  return rules.map((rule, index) => {
    const name = `${kind}[${index}]`;
    try {
      return { name, matches: compileRouteRule(rule) };
    } catch (error) {
      if (error instanceof SymbolonError) throw new SymbolonError(error.code, `${name}: ${error.message}`, { cause: error });
      throw error;
    }
  });
}
