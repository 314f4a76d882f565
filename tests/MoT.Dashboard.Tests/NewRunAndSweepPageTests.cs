using System.Runtime.CompilerServices;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Components.Pages;
using MoT.Dashboard.Hosting;
using MoT.Dashboard.Platform;
using MudBlazor;

namespace MoT.Dashboard.Tests;

/// <summary>The New run and New sweep pages judge every field with the run-config schema as it changes.</summary>
public sealed class NewRunAndSweepPageTests : MudComponentTests
{
    public NewRunAndSweepPageTests()
    {
        // The pages only call the platform on Launch, which these tests never reach.
        Context.Services.AddSingleton((PlatformCommands)RuntimeHelpers.GetUninitializedObject(typeof(PlatformCommands)));
        Context.Services.AddSingleton(Microsoft.Extensions.Options.Options.Create(new DashboardOptions()));
        Context.Services.AddSingleton(MoT.Training.Configuration.RunConfigSchema.Default);
        Context.Render<MudPopoverProvider>();
    }

    [Fact]
    public void New_run_says_why_launch_is_disabled_and_keeps_a_negative_step_count_as_typed()
    {
        var cut = Context.Render<NewRun>();
        Assert.False(cut.Find("[data-testid=launch-run]").HasAttribute("disabled"));

        cut.Find("[data-testid=run-lr] input, input[data-testid=run-lr]").Input("-1");
        cut.Find("[data-testid=run-steps] input, input[data-testid=run-steps]").Input("-1");

        Assert.True(cut.Find("[data-testid=launch-run]").HasAttribute("disabled"));
        var reason = cut.Find("[data-testid=launch-disabled-reason]").TextContent;
        Assert.Contains("training.lr: must be a number above 0 and at most 10 (limit MaxLearningRate), got -1", reason);
        Assert.Contains("training.steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got -1", reason);
        // -1 stays -1 (and says what is wrong) rather than silently becoming 1.
        Assert.Equal("-1", cut.Find("[data-testid=run-steps] input, input[data-testid=run-steps]").GetAttribute("value"));
    }

    [Fact]
    public void New_sweep_lists_every_problem_and_gives_no_run_estimate_for_an_invalid_budget()
    {
        var cut = Context.Render<NewSweep>();
        Assert.Contains("≈ 4 runs", cut.Find("[data-testid=run-estimate]").TextContent);

        cut.Find("[data-testid=sweep-budget] input, input[data-testid=sweep-budget]").Input("-3");
        cut.Find("[data-testid=sweep-steps] input, input[data-testid=sweep-steps]").Input("-1");

        Assert.DoesNotContain("-3 runs", cut.Markup);
        Assert.Contains("fix the form first", cut.Find("[data-testid=run-estimate]").TextContent);
        var problems = cut.Find("[data-testid=sweep-problems]").TextContent;
        Assert.Contains("2 problems to fix before launch", problems);
        Assert.Contains("maxRuns: must be a whole number from 1 to 10,000 (limit MaxRuns), got -3", problems);
        Assert.Contains("steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got -1", problems);
    }

    [Fact]
    public void Invalid_yaml_is_not_applied_to_the_form_and_is_kept_when_switching_back()
    {
        var cut = Context.Render<NewSweep>();
        cut.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == "YAML").Click();
        var yaml = cut.Find("[data-testid=sweep-yaml] textarea, textarea[data-testid=sweep-yaml]").GetAttribute("value") ?? cut.Find("textarea").TextContent;
        var edited = yaml.Replace("preset: MoT-Tiny/8E", "preset: NoSuchPreset").Replace("steps: 200", "steps: -1");
        Assert.NotEqual(yaml, edited);

        cut.Find("textarea").Change(edited);
        cut.Find("[data-testid=apply-yaml]").Click();
        var problems = cut.Find("[data-testid=yaml-problems]").TextContent;
        Assert.Contains("preset: 'NoSuchPreset' is not a preset name like MoT-Medium/32E/8 (see `mot presets`)", problems);
        Assert.Contains("steps: must be a whole number from 1 to 10,000,000 (limit MaxSteps), got -1", problems);

        // Back to the form: refused, the YAML tab stays with the text as typed.
        cut.FindAll(".mud-tab").Single(t => t.TextContent.Trim() == "Form").Click();
        // The page re-activates the YAML tab after the refused switch (asynchronously): wait for it.
        cut.WaitForAssertion(() => Assert.Contains("NoSuchPreset", cut.Find("textarea").GetAttribute("value") ?? cut.Find("textarea").TextContent),
            TimeSpan.FromSeconds(10));
        Assert.Empty(cut.FindAll("[data-testid=sweep-problems]"));
    }
}
