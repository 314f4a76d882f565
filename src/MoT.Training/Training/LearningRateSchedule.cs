namespace MoT.Training.Training;

/// <summary>Linear warmup to the peak, then cosine decay to <c>FinalLearningRateRatio</c> of the peak
/// at the last step (the paper's schedule). A pure function of the step, so resume needs no state.</summary>
public static class LearningRateSchedule
{
    /// <summary>Learning rate for 0-based <paramref name="step"/>.</summary>
    public static double At(TrainingConfig config, int step)
    {
        var peak = config.LearningRate;
        var warmup = config.ResolvedWarmupSteps;
        if (step < warmup)
            return peak * (step + 1) / warmup;
        var decaySteps = Math.Max(1, config.Steps - warmup);
        var progress = Math.Clamp((double)(step - warmup) / decaySteps, 0, 1);
        var floor = peak * config.FinalLearningRateRatio;
        return floor + (peak - floor) * 0.5 * (1 + Math.Cos(Math.PI * progress));
    }
}
