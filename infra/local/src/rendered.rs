//! template.yaml as CloudFormation will deploy it: rendered offline through the SAM transform
//! (infra/scripts/render-template.py, aws-sam-translator), with a small evaluator of the
//! intrinsic functions the template uses. The tests read every function's environment and role
//! from here, so that what the template deploys is what the code reads.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context as _, bail};
use serde_json::Value;

/// The rendered template of one region (the partition follows it).
pub struct Rendered {
    pub region: String,
    doc: Value,
}

/// What an intrinsic function's `Ref` and `Fn::GetAtt` stand for.
pub trait Values {
    /// A parameter, a pseudo parameter (`AWS::Region`…) or a resource's `Ref`.
    fn reference(&self, name: &str) -> Option<String>;
    fn attribute(&self, resource: &str, attribute: &str) -> Option<String>;
}

/// A function as deployed: its variables (unresolved) and its role's permissions.
#[derive(Debug, Clone)]
pub struct RenderedFunction {
    pub logical_id: String,
    pub variables: BTreeMap<String, Value>,
    pub role: String,
    /// The role's inline policy statements that allow something.
    pub statements: Vec<Statement>,
    /// Managed policies attached to the role (unresolved).
    pub managed_policies: Vec<Value>,
    pub reserved_concurrency: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct Statement {
    pub actions: Vec<String>,
    /// Every logical id or parameter its resources name (`Ref`, `Fn::GetAtt`, `${…}` in `Fn::Sub`).
    pub references: BTreeSet<String>,
    /// Its resources as written.
    pub resources: Value,
}

impl Rendered {
    /// Runs the renderer for `region` (once per process and region).
    pub fn load(root: &Path, region: &str) -> anyhow::Result<Rendered> {
        let output = std::process::Command::new("python3")
            .arg(root.join("infra/scripts/render-template.py"))
            .args(["--region", region, "--template"])
            .arg(root.join("template.yaml"))
            .output()
            .context("cannot run infra/scripts/render-template.py (python3 with aws-sam-translator)")?;
        if !output.status.success() {
            bail!("render-template.py failed:\n{}", String::from_utf8_lossy(&output.stderr));
        }
        let doc: Value = serde_json::from_slice(&output.stdout).context("the rendered template is not JSON")?;
        Ok(Rendered { region: region.to_owned(), doc })
    }

    pub fn resources(&self) -> &serde_json::Map<String, Value> {
        self.doc["Resources"].as_object().expect("a template has resources")
    }

    pub fn parameters(&self) -> &serde_json::Map<String, Value> {
        static EMPTY: std::sync::OnceLock<serde_json::Map<String, Value>> = std::sync::OnceLock::new();
        self.doc["Parameters"].as_object().unwrap_or_else(|| EMPTY.get_or_init(Default::default))
    }

    pub fn resource_type(&self, logical_id: &str) -> Option<&str> {
        self.resources().get(logical_id)?.get("Type")?.as_str()
    }

    /// The Lambda function of logical id `logical_id`, with its role.
    pub fn function(&self, logical_id: &str) -> anyhow::Result<RenderedFunction> {
        let resources = self.resources();
        let function = resources.get(logical_id).with_context(|| format!("{logical_id} is not rendered"))?;
        anyhow::ensure!(function["Type"] == "AWS::Lambda::Function", "{logical_id} is not a Lambda function");
        let props = &function["Properties"];
        let variables = props["Environment"]["Variables"]
            .as_object()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default();
        let role = props["Role"]["Fn::GetAtt"][0]
            .as_str()
            .with_context(|| format!("{logical_id}: its Role is not a role of the template"))?
            .to_owned();
        let role_props = &resources.get(&role).with_context(|| format!("{logical_id}: no role {role}"))?["Properties"];
        let mut statements = Vec::new();
        for policy in role_props["Policies"].as_array().into_iter().flatten() {
            let document = &policy["PolicyDocument"]["Statement"];
            let list = match document {
                Value::Array(items) => items.clone(),
                other => vec![other.clone()],
            };
            for statement in list {
                if statement["Effect"] != "Allow" {
                    continue;
                }
                let actions = match &statement["Action"] {
                    Value::String(a) => vec![a.clone()],
                    Value::Array(items) => items.iter().filter_map(|a| a.as_str().map(str::to_owned)).collect(),
                    _ => Vec::new(),
                };
                let resources = statement["Resource"].clone();
                statements.push(Statement { actions, references: references(&resources), resources });
            }
        }
        Ok(RenderedFunction {
            logical_id: logical_id.to_owned(),
            variables,
            role,
            statements,
            managed_policies: role_props["ManagedPolicyArns"].as_array().cloned().unwrap_or_default(),
            reserved_concurrency: props["ReservedConcurrentExecutions"].as_u64(),
        })
    }

    /// Whether condition `name` holds for `values`.
    pub fn condition(&self, name: &str, values: &dyn Values) -> anyhow::Result<bool> {
        let definition =
            self.doc["Conditions"].get(name).with_context(|| format!("no condition {name} in the template"))?;
        self.truth(definition, values)
    }

    fn truth(&self, v: &Value, values: &dyn Values) -> anyhow::Result<bool> {
        let (name, args) = single(v).with_context(|| format!("not a condition: {v}"))?;
        Ok(match name {
            "Fn::Equals" => {
                let a = self.resolve(&args[0], values)?;
                let b = self.resolve(&args[1], values)?;
                a == b
            }
            "Fn::Not" => !self.truth(&args[0], values)?,
            "Fn::And" => {
                let mut all = true;
                for a in args.as_array().into_iter().flatten() {
                    all &= self.truth(a, values)?;
                }
                all
            }
            "Fn::Or" => {
                let mut any = false;
                for a in args.as_array().into_iter().flatten() {
                    any |= self.truth(a, values)?;
                }
                any
            }
            "Condition" => self.condition(args.as_str().context("Condition takes a name")?, values)?,
            other => bail!("condition function {other} is not evaluated here"),
        })
    }

    /// Whether a property of value `v` is there at all: `Fn::If` branches chosen by `values`,
    /// `AWS::NoValue` absent; nothing else resolved.
    pub fn present(&self, v: &Value, values: &dyn Values) -> anyhow::Result<bool> {
        match single(v) {
            Some(("Ref", target)) if target == "AWS::NoValue" => Ok(false),
            Some(("Fn::If", args)) => {
                let condition = args[0].as_str().context("Fn::If takes a condition name")?;
                let branch = if self.condition(condition, values)? { &args[1] } else { &args[2] };
                self.present(branch, values)
            }
            _ => Ok(true),
        }
    }

    /// The value CloudFormation would give `v`; `None` for `AWS::NoValue`.
    pub fn resolve(&self, v: &Value, values: &dyn Values) -> anyhow::Result<Option<String>> {
        Ok(match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Object(_) => {
                let (name, args) = single(v).with_context(|| format!("not an intrinsic function: {v}"))?;
                match name {
                    "Ref" if args == "AWS::NoValue" => None,
                    "Ref" => {
                        let target = args.as_str().context("Ref takes a name")?;
                        Some(values.reference(target).with_context(|| format!("no value for Ref {target}"))?)
                    }
                    "Fn::GetAtt" => {
                        let (resource, attribute) = get_att(args).with_context(|| format!("bad GetAtt {args}"))?;
                        Some(
                            values
                                .attribute(&resource, &attribute)
                                .with_context(|| format!("no value for GetAtt {resource}.{attribute}"))?,
                        )
                    }
                    "Fn::Sub" => Some(self.substitute(args, values)?),
                    "Fn::If" => {
                        let condition = args[0].as_str().context("Fn::If takes a condition name")?;
                        let branch = if self.condition(condition, values)? { &args[1] } else { &args[2] };
                        self.resolve(branch, values)?
                    }
                    "Fn::Join" => {
                        let separator = args[0].as_str().unwrap_or_default();
                        let mut parts = Vec::new();
                        for part in args[1].as_array().into_iter().flatten() {
                            parts.extend(self.resolve(part, values)?);
                        }
                        Some(parts.join(separator))
                    }
                    "Fn::Select" => {
                        let index = self.resolve(&args[0], values)?.unwrap_or_default().parse::<usize>()?;
                        let list = args[1].as_array().context("Fn::Select over a literal list")?;
                        self.resolve(list.get(index).context("Fn::Select out of range")?, values)?
                    }
                    other => bail!("intrinsic function {other} is not evaluated here"),
                }
            }
            other => bail!("cannot resolve {other}"),
        })
    }

    fn substitute(&self, args: &Value, values: &dyn Values) -> anyhow::Result<String> {
        let (text, local) = match args {
            Value::String(s) => (s.as_str(), None),
            Value::Array(items) => {
                (items[0].as_str().context("Fn::Sub text")?, items.get(1).and_then(Value::as_object))
            }
            _ => bail!("bad Fn::Sub {args}"),
        };
        let mut out = String::new();
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let end = rest[start..].find('}').context("unclosed ${ in Fn::Sub")? + start;
            let name = &rest[start + 2..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = local.and_then(|m| m.get(name)) {
                out.push_str(&self.resolve(v, values)?.unwrap_or_default());
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(
                    &values.attribute(resource, attribute).with_context(|| format!("no value for ${{{name}}}"))?,
                );
            } else {
                out.push_str(&values.reference(name).with_context(|| format!("no value for ${{{name}}}"))?);
            }
            rest = &rest[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// The one key of an intrinsic function's object and its argument.
fn single(v: &Value) -> Option<(&str, &Value)> {
    let object = v.as_object()?;
    if object.len() != 1 {
        return None;
    }
    object.iter().next().map(|(k, v)| (k.as_str(), v))
}

fn get_att(args: &Value) -> Option<(String, String)> {
    match args {
        Value::Array(items) => Some((items.first()?.as_str()?.to_owned(), items.get(1)?.as_str()?.to_owned())),
        Value::String(s) => s.split_once('.').map(|(a, b)| (a.to_owned(), b.to_owned())),
        _ => None,
    }
}

/// Every name `v` refers to: `Ref` targets, `Fn::GetAtt` resources, and `${…}` names of `Fn::Sub`
/// (pseudo parameters `AWS::…` left out).
pub fn references(v: &Value) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    collect(v, &mut found);
    found.retain(|n| !n.starts_with("AWS::"));
    found
}

fn collect(v: &Value, found: &mut BTreeSet<String>) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| collect(i, found)),
        Value::Object(object) => {
            for (key, arg) in object {
                match key.as_str() {
                    "Ref" => {
                        found.extend(arg.as_str().map(str::to_owned));
                    }
                    "Fn::GetAtt" => {
                        found.extend(get_att(arg).map(|(r, _)| r));
                    }
                    "Fn::Sub" => {
                        let (text, local) = match arg {
                            Value::String(s) => (s.as_str(), None),
                            Value::Array(items) => (items[0].as_str().unwrap_or_default(), items.get(1)),
                            _ => ("", None),
                        };
                        let mut rest = text;
                        while let Some(start) = rest.find("${") {
                            let Some(len) = rest[start..].find('}') else { break };
                            let name = &rest[start + 2..start + len];
                            let defined_locally = local.and_then(|l| l.get(name)).is_some();
                            if !name.starts_with('!') && !defined_locally {
                                found.insert(name.split('.').next().unwrap_or(name).to_owned());
                            }
                            rest = &rest[start + len + 1..];
                        }
                        if let Some(local) = local {
                            collect(local, found);
                        }
                    }
                    _ => collect(arg, found),
                }
            }
        }
        _ => {}
    }
}
