using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MoT.Dashboard.Components.Widgets;
using MudBlazor;

namespace MoT.Dashboard.Tests;

public sealed class ResumeDialogTests : MudComponentTests
{
    private async Task<(IRenderedComponent<MudDialogProvider> Provider, IDialogReference Dialog)> ShowAsync(long checkpointStep, long plannedSteps)
    {
        var provider = Context.Render<MudDialogProvider>();
        var dialogs = Context.Services.GetRequiredService<IDialogService>();
        var parameters = new DialogParameters<ResumeDialog> { { d => d.CheckpointStep, checkpointStep }, { d => d.PlannedSteps, plannedSteps } };
        var dialog = await provider.InvokeAsync(() => dialogs.ShowAsync<ResumeDialog>("Resume", parameters));
        return (provider, dialog);
    }

    [Fact]
    public async Task A_finished_run_resumes_for_as_many_steps_again_by_default_and_continues_its_count()
    {
        var (provider, dialog) = await ShowAsync(checkpointStep: 60, plannedSteps: 60);

        provider.WaitForAssertion(() => Assert.Contains("Trains steps 61 to 120", provider.Find("[data-testid=resume-total]").TextContent));
        provider.Find("input[data-testid=resume-steps], [data-testid=resume-steps] input").Input("25");
        provider.WaitForAssertion(() => Assert.Contains("Trains steps 61 to 85", provider.Find("[data-testid=resume-total]").TextContent));
        provider.Find("[data-testid=dialog-confirm]").Click();

        var result = await dialog.Result;
        Assert.False(result!.Canceled);
        Assert.Equal(25L, result.Data);
    }

    [Fact]
    public async Task An_interrupted_run_resumes_to_its_planned_total_by_default_and_no_steps_cannot_be_confirmed()
    {
        var (provider, _) = await ShowAsync(checkpointStep: 40, plannedSteps: 100);

        provider.WaitForAssertion(() => Assert.Contains("Trains steps 41 to 100", provider.Find("[data-testid=resume-total]").TextContent));
        provider.Find("input[data-testid=resume-steps], [data-testid=resume-steps] input").Input("");

        provider.WaitForAssertion(() => Assert.Contains("Additional steps: enter a whole number of steps", provider.Markup));
        Assert.True(provider.Find("[data-testid=dialog-confirm]").HasAttribute("disabled"));
    }
}
