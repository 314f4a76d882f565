using System.Text.Json;
using System.Text.Json.Nodes;
using MoT.Training;
using MoT.Training.Configuration;

namespace MoT.Training.Tests.Configuration;

public sealed class RunConfigSchemaTests
{
    private static readonly RunConfigSchema Schema = RunConfigSchema.Default;

    /// <summary>A distinct valid value for every setting the run config maps onto the trainer document.</summary>
    private static readonly Dictionary<string, JsonNode> Probe = new()
    {
        ["model.seq_len"] = 96, ["model.layers"] = 3, ["model.d_model"] = 192, ["model.heads"] = 8,
        ["training.steps"] = 123, ["training.batch_size"] = 12, ["training.lr"] = 0.0042, ["training.warmup"] = 7,
        ["training.eval_interval"] = 11, ["training.eval_batches"] = 3, ["training.checkpoint_interval"] = 13,
        ["training.log_interval"] = 5, ["training.seed"] = 42, ["training.device"] = "cpu", ["training.precision"] = "Fp32",
        ["training.weight_decay"] = 0.05, ["training.grad_clip"] = 0.7, ["data.source"] = "synthetic", ["data.tokenizer"] = "cl100k",
    };

    [Fact]
    public void Every_run_config_setting_reaches_the_trainer_field_it_documents()
    {
        var mapped = Schema.Settings.Where(s => s.RunPath is not null && s.DocumentPath is not null && s.RunPath != "model.preset").ToList();
        // A new mapped setting must get a probe value here, or this test cannot vouch for it.
        Assert.Equal(mapped.Select(s => s.RunPath!).Order(), Probe.Keys.Order());

        foreach (var setting in mapped)
        {
            var config = new JsonObject { ["model"] = new JsonObject { ["preset"] = "Transformer-Small" } };
            var path = setting.RunPath!.Split('.');
            if (config[path[0]] is not JsonObject section) config[path[0]] = section = new JsonObject();
            section[path[1]] = Probe[setting.RunPath].DeepClone();
            Assert.Empty(Schema.Validate(config));

            var trained = JsonSerializer.SerializeToNode(RunConfigTranslator.Translate(config), ConfigJson.Options)!.AsObject();
            var reached = setting.DocumentPath!.Split('.').Aggregate((JsonNode?)trained, (node, key) => node?[key]);
            Assert.True(reached is not null && JsonNode.DeepEquals(Normalize(reached), Normalize(Probe[setting.RunPath])),
                $"{setting.RunPath} = {Probe[setting.RunPath].ToJsonString()} reached {setting.DocumentPath} as {reached?.ToJsonString() ?? "nothing"}");
        }
    }

    private static JsonNode Normalize(JsonNode node) =>
        node is JsonValue v && ConfigPaths.TryNumber(v, out var number, out _) ? JsonValue.Create(number) : JsonNode.Parse(node.ToJsonString())!;

    [Fact]
    public void Every_numeric_setting_accepts_its_bounds_and_refuses_just_beyond_them_naming_the_limit()
    {
        foreach (var setting in Schema.Settings.Where(s => s.Kind is SettingKind.Integer or SettingKind.Number))
        {
            var step = setting.Kind == SettingKind.Integer ? 1 : Math.Max(1e-9, Math.Abs(setting.Max ?? 1) * 1e-6);
            if (setting.Max is { } max)
            {
                if (!setting.MaxExclusive) Assert.Null(Schema.CheckValue(setting, Value(setting, max)));
                var beyond = Schema.CheckValue(setting, Value(setting, setting.MaxExclusive ? max : max + step));
                Assert.NotNull(beyond);
                if (setting.Limit is { } limit) Assert.Contains($"(limit {limit})", beyond);
            }
            if (setting.Min is { } min)
            {
                if (!setting.MinExclusive) Assert.Null(Schema.CheckValue(setting, Value(setting, min)));
                Assert.NotNull(Schema.CheckValue(setting, Value(setting, setting.MinExclusive ? min : min - step)));
            }
            Assert.Equal("must be a finite number, got infinity", Schema.CheckValue(setting, JsonValue.Create(double.PositiveInfinity)));
            Assert.StartsWith("must be a", Schema.CheckValue(setting, JsonValue.Create("12")));
        }
    }

    private static JsonNode Value(ConfigSetting setting, double value) =>
        setting.Kind == SettingKind.Integer ? JsonValue.Create((long)value) : JsonValue.Create(value);

    [Theory]
    [InlineData("training.learning_rate", "training.lr")]
    [InlineData("training.batchSize", "training.batch_size")]
    [InlineData("trainng.steps", "training.steps")]
    [InlineData("model.d_modle", "model.d_model")]
    [InlineData("data.evalset", "data.eval_set")]
    [InlineData("model.contextLength", "model.seq_len")]
    public void An_unknown_path_suggests_the_setting_meant(string typed, string meant) =>
        Assert.Equal($"'{typed}' is not a config setting; did you mean '{meant}'?", Schema.CheckPath(typed));

    [Fact]
    public void A_whole_config_reports_every_problem_at_once_by_path()
    {
        var problems = Schema.Validate("""
            { "model": { "preset": "MoT-Tiny/8E", "famly": "MoT" },
              "training": { "steps": 9223372036854775807, "lr": -1, "batch_size": 2.5 },
              "data": { "tokenizer": "gpt2", "eval_set": 5 } }
            """).Select(p => p.ToString()).ToList();
        Assert.Equal(
        [
            "model.famly: 'model.famly' is not a config setting; did you mean 'model.family'?",
            "training.steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got 9223372036854775807",
            "training.lr: must be a number above 0 and at most 10 (limit MaxLearningRate), got -1",
            "training.batch_size: must be a whole number, got 2.5",
            "data.tokenizer: 'gpt2' is not a tokenizer: use bytes, bpe, cl100k, cl100k-compact or cl100k-compact:N (N >= 258)",
            "data.eval_set: must be text, got 5",
        ], problems);
    }

    [Fact]
    public void Settings_that_are_fine_alone_are_checked_together()
    {
        Assert.Equal("training.batch_size: (12) must be a multiple of the group size (8)",
            Assert.Single(Schema.Validate("""{ "model": { "preset": "MoT-Tiny/8E" }, "training": { "batch_size": 12 } }""")).ToString());
        Assert.Equal("model.experts: a dense Transformer has no experts: set model.family (or a MoT/MoE preset) too",
            Assert.Single(Schema.Validate("""{ "model": { "family": "Dense", "experts": 8 }, "training": { "steps": 5 } }""")).ToString());
        Assert.Equal("model.preset: 'MoT-Tiny/9000E' has 9,000 experts; at most 8,192 are allowed (limit MaxExperts)",
            Assert.Single(Schema.Validate("""{ "model": { "preset": "MoT-Tiny/9000E" }, "training": { "batch_size": 9000 } }""")).ToString());
    }
}
