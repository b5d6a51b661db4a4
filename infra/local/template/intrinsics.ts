/**
 * CloudFormation intrinsic functions, resolved as far as loading an API locally needs: Ref,
 * Fn::GetAtt, Fn::Join and Fn::Sub over the template's own resources, parameters (their defaults)
 * and pseudo parameters. Anything else is refused by name, with the resource and property it sits in.
 */

export class TemplateError extends Error {
  override name = 'TemplateError';
}

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources?: Record<string, CfnResource>;
  Parameters?: Record<string, { Default?: unknown; Type?: string }>;
}

/** The local stand-ins' account and region (the runtime's REGION). */
export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';

/** What a Ref or Fn::GetAtt of a resource stands for locally, as a string (names, ids, ARNs). */
export type AttributeOf = (logicalId: string, attribute: string | undefined, where: string) => string;

export class Intrinsics {
  constructor(
    private readonly template: CfnTemplate,
    private readonly stackName: string,
    private readonly attributeOf: AttributeOf,
  ) {}

  /** A property that must end up a string. */
  str(v: unknown, where: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    if (!isObject(v)) throw new TemplateError(`${where}: expected a string, found ${JSON.stringify(v)}`);
    const keys = Object.keys(v);
    if (keys.length !== 1) throw new TemplateError(`${where}: expected a string or one intrinsic function, found ${JSON.stringify(v).slice(0, 200)}`);
    const fn = keys[0]!;
    const arg = v[fn];
    switch (fn) {
      case 'Ref':
        return this.ref(this.str(arg, `${where} Ref`), where);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : typeof arg === 'string' ? splitOnce(arg) : [];
        if (typeof id !== 'string' || typeof attr !== 'string') throw new TemplateError(`${where}: Fn::GetAtt needs [logicalId, attribute]`);
        this.requireResource(id, where);
        return this.attributeOf(id, attr, where);
      }
      case 'Fn::Join': {
        if (!Array.isArray(arg) || arg.length !== 2 || !Array.isArray(arg[1])) throw new TemplateError(`${where}: Fn::Join needs [delimiter, [values]]`);
        return (arg[1] as unknown[]).map((x, i) => this.str(x, `${where} Fn::Join[${i}]`)).join(this.str(arg[0], `${where} Fn::Join delimiter`));
      }
      case 'Fn::Sub':
        return this.sub(arg, where);
      default:
        throw new TemplateError(`${where}: ${fn} is not supported by the local template loader (supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub)`);
    }
  }

  /** The logical id a `{ Ref }` or `{ Fn::GetAtt }` points at, if that is what `v` is. */
  target(v: unknown): { id: string; attribute?: string } | undefined {
    if (!isObject(v)) return undefined;
    if (typeof v.Ref === 'string' && this.template.Resources?.[v.Ref]) return { id: v.Ref };
    const g = v['Fn::GetAtt'];
    const [id, attribute] = Array.isArray(g) ? g : typeof g === 'string' ? splitOnce(g) : [];
    if (typeof id === 'string' && typeof attribute === 'string' && this.template.Resources?.[id]) return { id, attribute };
    return undefined;
  }

  private ref(name: string, where: string): string {
    const pseudo = PSEUDO[name];
    if (pseudo !== undefined) return name === 'AWS::StackName' ? this.stackName : pseudo;
    if (name === 'AWS::NoValue') throw new TemplateError(`${where}: AWS::NoValue where a value is needed`);
    const param = this.template.Parameters?.[name];
    if (param) {
      if (param.Default === undefined) throw new TemplateError(`${where}: parameter ${name} has no Default; the local loader takes parameters' defaults only`);
      return this.str(param.Default, `parameter ${name}`);
    }
    this.requireResource(name, where);
    return this.attributeOf(name, undefined, where);
  }

  private sub(arg: unknown, where: string): string {
    const [text, vars] = Array.isArray(arg) ? (arg as [unknown, unknown]) : [arg, {}];
    if (typeof text !== 'string') throw new TemplateError(`${where}: Fn::Sub needs a string`);
    const own = isObject(vars) ? vars : {};
    return text.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      if (name.startsWith('!')) return `\${${name.slice(1)}}`;
      if (Object.hasOwn(own, name)) return this.str(own[name], `${where} Fn::Sub \${${name}}`);
      const dot = name.indexOf('.');
      if (dot > 0 && !name.startsWith('AWS::')) return this.str({ 'Fn::GetAtt': [name.slice(0, dot), name.slice(dot + 1)] }, `${where} Fn::Sub`);
      return this.ref(name, `${where} Fn::Sub`);
    });
  }

  private requireResource(id: string, where: string): void {
    if (!this.template.Resources?.[id]) throw new TemplateError(`${where}: refers to "${id}", which is neither a resource nor a parameter of the template`);
  }
}

const PSEUDO: Record<string, string> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
  'AWS::StackName': '',
  'AWS::StackId': `arn:aws:cloudformation:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stack/local/local`,
};

function splitOnce(s: string): [string, string] | [] {
  const i = s.indexOf('.');
  return i > 0 ? [s.slice(0, i), s.slice(i + 1)] : [];
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
