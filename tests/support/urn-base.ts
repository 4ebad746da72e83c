/** The last commit before issue #14 restructured the program (c42b105 moved the folders): what a deployed stack's state was made by. */
export const URN_BASE_COMMIT = "04c614041aebe24833a901b11adf51345075ebcc";
