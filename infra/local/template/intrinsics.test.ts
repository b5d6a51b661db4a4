import { describe, expect, it } from 'vitest';
import { Intrinsics, TemplateError, type CfnTemplate } from './intrinsics.ts';

const template: CfnTemplate = {
  Parameters: { Stage: { Type: 'String', Default: 'dev' }, Secret: { Type: 'String' } },
  Resources: { Table: { Type: 'AWS::DynamoDB::Table' }, Fn: { Type: 'AWS::Lambda::Function' } },
};
const x = new Intrinsics(template, 'MyStack', (id, attr) => (attr ? `${id}.${attr}` : `ref:${id}`));

describe('template intrinsics', () => {
  it('resolves Ref, Fn::GetAtt (both forms), Fn::Join and Fn::Sub', () => {
    expect(x.str({ Ref: 'Table' }, 'w')).toBe('ref:Table');
    expect(x.str({ Ref: 'Stage' }, 'w')).toBe('dev');
    expect(x.str({ Ref: 'AWS::Region' }, 'w')).toBe('us-east-1');
    expect(x.str({ 'Fn::GetAtt': ['Fn', 'Arn'] }, 'w')).toBe('Fn.Arn');
    expect(x.str({ 'Fn::GetAtt': 'Fn.Arn' }, 'w')).toBe('Fn.Arn');
    expect(x.str({ 'Fn::Join': ['-', ['a', { Ref: 'Stage' }, 3]] }, 'w')).toBe('a-dev-3');
    expect(x.str({ 'Fn::Sub': '${AWS::StackName}/${Stage}/${Fn.Arn}/${!Literal}' }, 'w')).toBe('MyStack/dev/Fn.Arn/${Literal}');
    expect(x.str({ 'Fn::Sub': ['${Own}-${Stage}', { Own: { Ref: 'Table' } }] }, 'w')).toBe('ref:Table-dev');
    expect(x.target({ Ref: 'Table' })).toEqual({ id: 'Table' });
    expect(x.target({ 'Fn::GetAtt': ['Fn', 'Arn'] })).toEqual({ id: 'Fn', attribute: 'Arn' });
    expect(x.target({ Ref: 'Stage' })).toBeUndefined();
  });

  it('refuses what it does not resolve, saying where', () => {
    const fails = (v: unknown) => {
      try {
        x.str(v, 'MyResource Prop');
      } catch (e) {
        expect(e).toBeInstanceOf(TemplateError);
        return (e as Error).message;
      }
      throw new Error('resolved');
    };
    expect(fails({ 'Fn::If': ['c', 'a', 'b'] })).toBe('MyResource Prop: Fn::If is not supported by the local template loader (supported: Ref, Fn::GetAtt, Fn::Join, Fn::Sub)');
    expect(fails({ Ref: 'Nowhere' })).toMatch(/refers to "Nowhere", which is neither a resource nor a parameter/);
    expect(fails({ Ref: 'Secret' })).toMatch(/parameter Secret has no Default/);
    expect(fails({ 'Fn::Sub': '${Gone.Arn}' })).toMatch(/refers to "Gone"/);
    expect(fails(['a'])).toMatch(/expected a string/);
  });
});
