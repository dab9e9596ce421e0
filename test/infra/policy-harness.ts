// Runs @pulumi/policy rules over the resources recorded under mocks, without the Pulumi CLI:
// a `PolicyPack` starts a gRPC server for the CLI, so the rules are called directly, with the
// arguments the engine would give them (type, props, urn, name, and for stack rules every
// resource with its property dependencies).
import type {
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';
import type { Recorded } from './mocks.ts';

export interface Violation {
  policy: string;
  message: string;
}

/** Every string inside a value (the ids an input was given appear as strings under mocks). */
function strings(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, into);
  else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) strings(v, into);
  }
  return into;
}

/** The ARNs among a resource's outputs (unique names, which other inputs are given). */
function arnsOf(r: Recorded): string[] {
  return Object.values(r.outputs ?? {}).filter(
    (v): v is string => typeof v === 'string' && v.startsWith('arn:'),
  );
}

/** Whether `text` holds `arn` as a whole ARN (not the start of a longer one), e.g. in a policy. */
function holdsArn(text: string, arn: string): boolean {
  let at = text.indexOf(arn);
  while (at >= 0) {
    if (!/[A-Za-z0-9_-]/.test(text.charAt(at + arn.length))) return true;
    at = text.indexOf(arn, at + 1);
  }
  return false;
}

/**
 * The resources as policy rules see them. A property depends on another resource when it holds
 * that resource's id or one of its ARNs: under mocks ids and ARNs are unique (`<name>-id-<n>`),
 * so these are the resources whose Outputs the property was given, as the engine records them.
 */
export function policyResources(recorded: Recorded[]): PolicyResource[] {
  const custom = recorded.filter((r) => r.custom);
  const byId = new Map<string, PolicyResource>();
  const byArn: [string, PolicyResource][] = [];
  const resources = custom.map((r): PolicyResource => {
    // The engine analyses inputs after the provider's check, which fills in auto-names.
    const autoName = r.outputs?.['name'];
    const inputs = r.tags === undefined ? r.inputs : { ...r.inputs, tags: r.tags };
    const props =
      inputs['name'] === undefined && typeof autoName === 'string'
        ? { ...inputs, name: autoName }
        : inputs;
    const resource: PolicyResource = {
      type: r.type,
      props,
      urn: r.urn ?? `urn:${r.type}::${r.name}`,
      name: r.name,
      opts: {} as PolicyResource['opts'],
      dependencies: [],
      propertyDependencies: {},
      isType: () => {
        throw new Error('policy-harness: rules compare args.type instead of isType');
      },
      asType: () => {
        throw new Error('policy-harness: rules read props instead of asType');
      },
    };
    byId.set(r.id, resource);
    for (const arn of arnsOf(r)) byArn.push([arn, resource]);
    return resource;
  });
  for (const resource of resources) {
    for (const [property, value] of Object.entries(resource.props)) {
      const found = new Set<PolicyResource>();
      for (const text of strings(value)) {
        const byItsId = byId.get(text);
        if (byItsId !== undefined) found.add(byItsId);
        for (const [arn, other] of byArn) if (holdsArn(text, arn)) found.add(other);
      }
      found.delete(resource);
      const deps = [...found];
      if (deps.length > 0) {
        resource.propertyDependencies[property] = deps;
        resource.dependencies.push(...deps.filter((d) => !resource.dependencies.includes(d)));
      }
    }
  }
  return resources;
}

function notApplicable(reason?: string): never {
  throw new Error(`policy-harness: notApplicable is not expected (${reason ?? ''})`);
}

/** Runs each rule over the resources; returns every violation, in rule order. */
export async function runPolicies(
  policies: (ResourceValidationPolicy | StackValidationPolicy)[],
  resources: PolicyResource[],
  config: Record<string, Record<string, unknown>> = {},
): Promise<Violation[]> {
  const violations: Violation[] = [];
  for (const policy of policies) {
    const report = (message: string) => void violations.push({ policy: policy.name, message });
    if ('validateStack' in policy && policy.validateStack !== undefined) {
      await policy.validateStack(
        {
          resources,
          stackTags: new Map(),
          getConfig: <T>() => (config[policy.name] ?? {}) as T,
          notApplicable,
        },
        report,
      );
    }
    if ('validateResource' in policy && policy.validateResource !== undefined) {
      const validations = Array.isArray(policy.validateResource)
        ? policy.validateResource
        : [policy.validateResource];
      for (const r of resources) {
        const args: ResourceValidationArgs = {
          type: r.type,
          props: r.props,
          urn: r.urn,
          name: r.name,
          opts: {} as ResourceValidationArgs['opts'],
          stackTags: new Map(),
          isType: r.isType,
          asType: () => {
            throw new Error('policy-harness: rules read props instead of asType');
          },
          getConfig: <T>() => (config[policy.name] ?? {}) as T,
          notApplicable,
        };
        for (const validate of validations) await validate(args, report);
      }
    }
  }
  return violations;
}
