using MoT.Contracts.Sweeps;
using MoT.Silo.Sweeps;

namespace MoT.Dashboard.Tests;

public sealed class SweepFormTests
{
    private static SweepForm Rich() => new()
    {
        Name = "mot-lr-and-experts",
        BasePreset = "MoT-Small/16E",
        Steps = 300,
        LearningRate = 0.002,
        Method = SearchMethod.Tpe,
        MaxConcurrentRuns = 3,
        MaxRuns = 12,
        Seed = 7,
        Priority = 2,
        EarlyStopping = true,
        AshaMinSteps = 30,
        AshaReductionFactor = 3,
        EvalSet = "brown-eval",
        Tokenizer = "bpe",
        Parameters =
        [
            new() { Path = "training.lr", Kind = ParameterKind.LogUniform, Low = 1e-4, High = 3e-2 },
            new() { Path = "model.family", Kind = ParameterKind.Choice, Choices = "MoT, TokenChoice" },
            new() { Path = "training.batch_size", Kind = ParameterKind.Int, Low = 16, High = 48, Step = 16 }, // multiples of the group size (16)
            new() { Path = "training.weight_decay", Kind = ParameterKind.Uniform, Low = 0.0, High = 0.1 },
        ],
    };

    [Fact]
    public void Form_to_yaml_and_back_gives_the_same_form()
    {
        var form = Rich();
        var yaml = SweepYaml.ToYaml(form);
        var back = SweepYaml.FromYaml(yaml);

        Assert.Equal(yaml, SweepYaml.ToYaml(back));
        var none = Array.Empty<SearchParameter>();
        Assert.Equal(form.ToSpec("alice") with { SearchSpace = none }, back.ToSpec("alice") with { SearchSpace = none });
        Assert.Equal(form.ToSpec("alice").SearchSpace, back.ToSpec("alice").SearchSpace, new SearchParameterComparer());
        Assert.Contains("kind: log-uniform", yaml);
        Assert.Contains("preset: MoT-Small/16E", yaml);
    }

    [Fact]
    public void Yaml_edits_reach_the_form()
    {
        var yaml = SweepYaml.ToYaml(new SweepForm()).Replace("maxRuns: 4", "maxRuns: 9").Replace("method: random", "method: grid");
        var form = SweepYaml.FromYaml(yaml);
        Assert.Equal(9, form.MaxRuns);
        Assert.Equal(SearchMethod.Grid, form.Method);
    }

    [Fact]
    public void Malformed_yaml_names_the_line()
    {
        var error = Assert.Throws<SweepYamlException>(() => SweepYaml.FromYaml("name: x\nsteps: [oops\n"));
        Assert.StartsWith("line 3, column ", error.Message);
        var kind = Assert.Throws<SweepYamlException>(() => SweepYaml.FromYaml("parameters:\n- path: training.lr\n  kind: gaussian\n"));
        Assert.Contains("parameters[0].kind", kind.Message);
    }

    [Fact]
    public void A_valid_form_has_no_errors_and_builds_a_spec_for_the_user()
    {
        var form = Rich();
        Assert.Empty(form.Validate());
        var spec = form.ToSpec("bob");
        Assert.Equal("bob", spec.Owner);
        Assert.Equal(new AshaSettings(30, 3, 300), spec.EarlyStopping);
        Assert.Contains("\"preset\":\"MoT-Small/16E\"", spec.BaseConfigJson);
        Assert.Equal(["MoT", "TokenChoice"], spec.SearchSpace[1].Values);
    }

    [Fact]
    public void Each_invalid_field_is_named()
    {
        var form = new SweepForm
        {
            Name = " ",
            BasePreset = "MoT-Huge/8E",
            Method = SearchMethod.Random,
            MaxRuns = null,
            Parameters =
            [
                new() { Path = "training lr", Kind = ParameterKind.LogUniform, Low = 0, High = 1e-2 },
                new() { Path = "model.family", Kind = ParameterKind.Choice, Choices = " , " },
                new() { Path = "training.steps", Kind = ParameterKind.Int, Low = 10, High = 5, Step = 0 },
            ],
        };

        var fields = form.Validate().Select(e => e.Path).ToHashSet();

        Assert.Superset(new HashSet<string>
        {
            "name", "basePreset", "maxRuns", "parameters[0].path", "parameters[0].low", "parameters[1].values",
            "parameters[2].high", "parameters[2].step",
        }, fields);
    }

    [Fact]
    public void A_grid_refuses_continuous_ranges()
    {
        var form = new SweepForm { Method = SearchMethod.Grid };
        var error = Assert.Single(form.Validate());
        Assert.Equal("parameters[0].kind", error.Path);
    }

    [Fact]
    public void Run_estimate_is_the_grid_size_capped_by_the_budget_or_the_budget()
    {
        var form = new SweepForm
        {
            Method = SearchMethod.Grid,
            MaxRuns = null,
            Parameters =
            [
                new() { Path = "model.family", Kind = ParameterKind.Choice, Choices = "Dense, MoT, TokenChoice" },
                new() { Path = "training.batch_size", Kind = ParameterKind.Int, Low = 8, High = 32, Step = 8 },
            ],
        };
        Assert.Equal(12, form.EstimateRunCount());
        form.MaxRuns = 5;
        Assert.Equal(5, form.EstimateRunCount());
        form.Method = SearchMethod.Tpe;
        form.MaxRuns = 20;
        Assert.Equal(20, form.EstimateRunCount());
    }

    [Fact]
    public void Every_problem_is_reported_at_once_each_naming_its_field()
    {
        var form = new SweepForm
        {
            Name = new string('n', 300),
            BasePreset = "NoSuchPreset",
            Steps = -1,
            LearningRate = 1000,
            MaxConcurrentRuns = 0,
            MaxRuns = -3,
            Tokenizer = "klingon",
            Parameters = [new() { Path = "training.learning_rate", Kind = ParameterKind.LogUniform, Low = 1e-4, High = 1e-2 }],
        };

        var errors = form.Validate().Select(e => e.ToString()).ToList();

        Assert.Equal(
        [
            "name: is 300 characters long; at most 128 are allowed (limit MaxNameLength)",
            "basePreset: 'NoSuchPreset' is not a preset name like MoT-Medium/32E/8 (see `mot presets`)",
            "steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got -1",
            "learningRate: must be a number above 0 and at most 10 (limit MaxLearningRate), got 1000",
            "maxConcurrentRuns: must be a whole number from 1 to 1,024 (limit MaxConcurrentRuns), got 0",
            "maxRuns: must be a whole number from 1 to 10,000 (limit MaxRuns), got -3",
            "tokenizer: 'klingon' is not a tokenizer: use bytes, bpe, cl100k, cl100k-compact or cl100k-compact:N (N >= 258)",
            "parameters[0].path: 'training.learning_rate' is not a config setting; did you mean 'training.lr'?",
        ], errors);
        Assert.Null(form.EstimateRunCount());
    }

    [Fact]
    public void A_searched_value_that_breaks_the_model_is_named_before_launch()
    {
        var form = Rich();
        form.Parameters[2] = new() { Path = "training.batch_size", Kind = ParameterKind.Int, Low = 8, High = 32, Step = 8 };
        Assert.Equal("parameters[2].low: with this value, model.mixtureOfTokens.groupSize (16) must not exceed the batch size (8)",
            Assert.Single(form.Validate()).ToString());
    }

    [Fact]
    public void A_choice_value_typed_with_a_comma_in_yaml_stays_one_value_through_the_form()
    {
        var form = SweepYaml.FromYaml("name: x\npreset: MoT-Tiny/8E\nmaxRuns: 2\nparameters:\n  - path: model.experts\n    kind: choice\n    values: [\"4,8\", 16]\n");
        Assert.Equal(["4,8", "16"], form.Parameters[0].Values);
        Assert.Equal("parameters[0].values[0]: must be a whole number, got '4,8'", Assert.Single(form.Validate()).ToString());
    }

    private sealed class SearchParameterComparer : IEqualityComparer<SearchParameter>
    {
        public bool Equals(SearchParameter? x, SearchParameter? y) =>
            x is not null && y is not null && x.Path == y.Path && x.Kind == y.Kind && x.Low == y.Low && x.High == y.High && x.Step == y.Step
            && (x.Values ?? []).SequenceEqual(y.Values ?? []);

        public int GetHashCode(SearchParameter obj) => obj.Path.GetHashCode();
    }
}
