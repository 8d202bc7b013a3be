"""The rule language, one module per stage of the data path.

loader (YAML -> located data) -> parsing/model/conditions (-> validated RuleFile) ->
layers (-> merged rule set) -> compiler/nodes (-> closures in dependency order) ->
answers/evaluator/logic (-> values) -> trace/result (-> Evaluation). ``ruleset`` ties them.
"""
